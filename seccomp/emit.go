package seccomp

import (
	"fmt"

	"github.com/ringfence/ringfence/bpf"
)

// The emitter writes the program backwards, from the last instruction to the
// first, as Kafel does: every jump target already exists when the jump is
// written, so the emitter knows its exact distance and what it starts with.
// That gives three rewrites for free, which a forward builder with labels
// (bpf.Builder, meant for hand-written programs) would need a second pass for:
//
//   - shared returns: a jump to "RET k" reuses the nearest existing RET k when
//     it is within the 255-instruction reach of a conditional jump, else a new
//     copy is placed right below the jump (a copy costs one instruction, like
//     the trampoline it replaces, and executes one fewer);
//   - load threading: a jump made while the accumulator already holds word X
//     to code that begins with "ld X" (or "ld X; xor/and K" when A already
//     holds that) lands after that prefix;
//   - far jumps: a target out of a conditional jump's reach gets a "ja"
//     trampoline (32-bit offset) right below the jump.
//
// Positions are counted from the end of the program: the first instruction
// written has position 0, and a jump at position m to position n has offset
// m-n-1.

// The opcodes the compiler emits.
const (
	opLdAbsW = bpf.OpLdAbsW
	opJa     = bpf.OpJa
	opJeq    = bpf.ClassJMP | bpf.JmpJEQ | bpf.SrcK
	opJgt    = bpf.ClassJMP | bpf.JmpJGT | bpf.SrcK
	opJge    = bpf.ClassJMP | bpf.JmpJGE | bpf.SrcK
	opJset   = bpf.ClassJMP | bpf.JmpJSET | bpf.SrcK
	opRetK   = bpf.OpRetK
	opAndK   = bpf.ClassALU | uint16(bpf.ALUAnd) | bpf.SrcK
	opXorK   = bpf.ClassALU | uint16(bpf.ALUXor) | bpf.SrcK
)

// maxEmit stops runaway code generation long before memory matters; the
// kernel's own limit is checked (with a helpful message) by Compile.
const maxEmit = 1 << 16

// acc describes what the accumulator holds: a seccomp_data word, possibly
// transformed by one ALU instruction. The zero value means "unknown".
type acc struct {
	known bool
	off   uint32 // seccomp_data offset
	alu   uint16 // 0, opAndK or opXorK
	k     uint32
}

func word(off uint32) acc { return acc{known: true, off: off} }

// target is where control goes: an emitted position, or "return k" placed
// wherever it is reachable.
type target struct {
	pos   int
	ret   bool
	k     uint32
	valid bool
}

func retTarget(k uint32) target { return target{ret: true, k: k, valid: true} }
func posTarget(p int) target    { return target{pos: p, valid: true} }

// skip records that the code at a position computes state and continues at
// next: a jump made while A already equals state may go to next instead.
type skip struct {
	state acc
	next  int
}

type emitter struct {
	rev      []bpf.Instruction // the program, last instruction first
	rets     map[uint32]int    // position of the nearest RET k written so far
	skips    map[int]skip
	noThread bool // disable load threading (Options.NoOptimize)
	err      error
}

func newEmitter(noThread bool) *emitter {
	return &emitter{rets: map[uint32]int{}, skips: map[int]skip{}, noThread: noThread}
}

// top is the position the next instruction will get.
func (e *emitter) top() int { return len(e.rev) }

func (e *emitter) put(ins bpf.Instruction) int {
	if len(e.rev) >= maxEmit {
		if e.err == nil {
			e.err = fmt.Errorf("code generation exceeded %d instructions", maxEmit)
		}
		return len(e.rev) - 1
	}
	e.rev = append(e.rev, ins)
	return len(e.rev) - 1
}

// ret writes RET k and returns its position.
func (e *emitter) ret(k uint32) int {
	p := e.put(bpf.Instruction{Op: opRetK, K: k})
	e.rets[k] = p
	return p
}

// thread follows skips from position p for a jump made with A == state.
func (e *emitter) thread(p int, state acc) int {
	if e.noThread || !state.known {
		return p
	}
	// Walk the chain of state-computing instructions starting at p (ld,
	// then maybe an ALU op) and land after the last one whose result A
	// already holds.
	best := p
	for q := p; ; {
		s, ok := e.skips[q]
		if !ok {
			return best
		}
		q = s.next
		if s.state == state {
			best = q
		}
	}
}

// where returns the position t currently resolves to (-1 if a RET k has not
// been written yet), after threading.
func (e *emitter) where(t target, state acc) int {
	if t.ret {
		p, ok := e.rets[t.k]
		if !ok {
			return -1
		}
		return p
	}
	return e.thread(t.pos, state)
}

// reach makes t reachable by a conditional jump written at the next position
// (distance at most 255 - slack, leaving room for fixes of the other target).
// It writes a RET copy or a trampoline when needed, and returns the target
// to use and whether it wrote anything.
func (e *emitter) reach(t target, state acc, slack int) (target, bool) {
	p := e.where(t, state)
	if p >= 0 && e.top()-p-1 <= 255-slack {
		return t, false
	}
	if t.ret {
		e.ret(t.k)
		return t, true
	}
	return posTarget(e.put(bpf.Instruction{Op: opJa, K: uint32(e.top() - p - 1)})), true
}

// jump writes a conditional jump "if A op k goto t else f" and returns its
// position as a target. A jump whose two targets coincide is not written.
func (e *emitter) jump(op uint16, k uint32, t, f target, state acc) target {
	if e.err != nil {
		return t // giving up: Compile reports e.err
	}
	if e.sameTarget(t, f, state) {
		return t
	}
	for range 4 {
		var ft, ff bool
		t, ft = e.reach(t, state, 1)
		f, ff = e.reach(f, state, 0)
		if !ft && !ff {
			break
		}
	}
	m := e.top()
	pt, pf := e.where(t, state), e.where(f, state)
	if m-pt-1 > 255 || m-pf-1 > 255 || pt < 0 || pf < 0 {
		// reach guarantees this; a broken invariant must not emit a wrong jump.
		panic("seccomp: internal error: jump target out of reach")
	}
	return posTarget(e.put(bpf.Instruction{Op: op, K: k, Jt: uint8(m - pt - 1), Jf: uint8(m - pf - 1)}))
}

func (e *emitter) sameTarget(a, b target, state acc) bool {
	if a.ret && b.ret {
		return a.k == b.k
	}
	if a.ret || b.ret {
		return false
	}
	return e.thread(a.pos, state) == e.thread(b.pos, state)
}

// stmt writes a non-jump instruction that leaves A == after and continues at
// next, which must be (or becomes, through a RET copy or "ja") the
// instruction right below it.
func (e *emitter) stmt(ins bpf.Instruction, before, after acc, next target) target {
	if e.err != nil {
		return next
	}
	p := e.where(next, after)
	if next.ret {
		e.ret(next.k)
	} else if p != e.top()-1 {
		e.put(bpf.Instruction{Op: opJa, K: uint32(e.top() - p - 1)})
	}
	pos := e.put(ins)
	if after.known && after != before {
		e.skips[pos] = skip{state: after, next: pos - 1}
	}
	return posTarget(pos)
}

// load writes "ld [off]" continuing at next.
func (e *emitter) load(off uint32, next target) target {
	return e.stmt(bpf.Instruction{Op: opLdAbsW, K: off}, acc{}, word(off), next)
}

// program returns the instructions in execution order, entering at entry.
func (e *emitter) program(entry target) []bpf.Instruction {
	if entry.ret {
		e.ret(entry.k)
	} else if entry.pos != e.top()-1 {
		e.put(bpf.Instruction{Op: opJa, K: uint32(e.top() - entry.pos - 1)})
	}
	out := make([]bpf.Instruction, len(e.rev))
	for i, ins := range e.rev {
		out[len(e.rev)-1-i] = ins
	}
	return dropUnreachable(out)
}

// dropUnreachable removes instructions no path reaches (loads that every
// jump threads past, RET copies that lost their users) and shortens the
// jumps over them; offsets only shrink, so every jump stays in reach.
func dropUnreachable(prog []bpf.Instruction) []bpf.Instruction {
	reached := make([]bool, len(prog))
	reached[0] = true
	for pc, ins := range prog {
		if !reached[pc] {
			continue
		}
		switch {
		case ins.Op == opRetK:
		case ins.Op == opJa:
			reached[pc+1+int(ins.K)] = true
		case ins.Op&0x07 == bpf.ClassJMP:
			reached[pc+1+int(ins.Jt)] = true
			reached[pc+1+int(ins.Jf)] = true
		default:
			reached[pc+1] = true
		}
	}
	newIndex := make([]int, len(prog)+1)
	n := 0
	for pc := range prog {
		newIndex[pc] = n
		if reached[pc] {
			n++
		}
	}
	newIndex[len(prog)] = n
	out := make([]bpf.Instruction, 0, n)
	for pc, ins := range prog {
		if !reached[pc] {
			continue
		}
		to := func(off int) int { return newIndex[pc+1+off] - newIndex[pc] - 1 }
		switch {
		case ins.Op == opJa:
			ins.K = uint32(to(int(ins.K)))
		case ins.Op&0x07 == bpf.ClassJMP:
			ins.Jt, ins.Jf = uint8(to(int(ins.Jt))), uint8(to(int(ins.Jf)))
		}
		out = append(out, ins)
	}
	return out
}
