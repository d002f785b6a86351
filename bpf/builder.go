package bpf

import (
	"errors"
	"fmt"
)

// Label names a position in a program under construction. The zero Label is
// not a label; get labels from Builder.NewLabel.
type Label struct{ id int32 }

// Valid reports whether l came from NewLabel.
func (l Label) Valid() bool { return l.id > 0 }

type itemKind uint8

const (
	itemStmt itemKind = iota // a non-jump instruction, emitted as is
	itemJump                 // unconditional jump to jt
	itemCond                 // conditional jump to jt / jf
)

type item struct {
	ins    Instruction
	kind   itemKind
	jt, jf Label
}

// Builder assembles a classic BPF program with symbolic jump targets.
//
// Emit instructions in program order and Place labels between them; a
// label stands for the next instruction emitted after it is placed. Jumps
// name labels, never offsets. Assemble resolves them, inserting trampolines
// (unconditional jumps with 32-bit offsets) where a conditional jump's
// target is farther than its 8-bit offset reaches, and dropping jumps to
// the very next instruction.
//
// Contract (checked by Assemble): classic BPF jumps only forward, so every
// label is placed after every jump to it; every label used is placed, at most
// once, before some instruction; every block ends in a jump or a return, so
// control never falls off the end of the program. The builder records the
// first misuse and Assemble reports it: methods never panic.
type Builder struct {
	items     []item
	labelPos  []int // item index per label id-1; -1 while unplaced
	labelUsed []bool
	err       error
}

// NewBuilder returns an empty builder.
func NewBuilder() *Builder { return &Builder{} }

func (b *Builder) fail(format string, args ...any) {
	if b.err == nil {
		b.err = fmt.Errorf("bpf builder: instruction %d: %s", len(b.items), fmt.Sprintf(format, args...))
	}
}

// Len is the number of instructions emitted so far, trampolines not counted.
func (b *Builder) Len() int { return len(b.items) }

// NewLabel returns a fresh, unplaced label.
func (b *Builder) NewLabel() Label {
	b.labelPos = append(b.labelPos, -1)
	b.labelUsed = append(b.labelUsed, false)
	return Label{id: int32(len(b.labelPos))}
}

func (b *Builder) known(l Label) bool {
	if l.id <= 0 || int(l.id) > len(b.labelPos) {
		b.fail("label %d does not come from this builder's NewLabel", l.id)
		return false
	}
	return true
}

// Place binds l to the next instruction emitted.
func (b *Builder) Place(l Label) {
	if !b.known(l) {
		return
	}
	if p := b.labelPos[l.id-1]; p >= 0 {
		b.fail("label L%d placed twice (first at instruction %d)", l.id, p)
		return
	}
	b.labelPos[l.id-1] = len(b.items)
}

// Placed reports whether l has been placed.
func (b *Builder) Placed(l Label) bool {
	return l.id > 0 && int(l.id) <= len(b.labelPos) && b.labelPos[l.id-1] >= 0
}

func (b *Builder) use(l Label) {
	if !b.known(l) {
		return
	}
	b.labelUsed[l.id-1] = true
	if b.labelPos[l.id-1] >= 0 {
		b.fail("jump to label L%d, placed earlier at instruction %d: classic BPF jumps only forward", l.id, b.labelPos[l.id-1])
	}
}

// Emit appends a raw non-jump instruction. Use the typed methods when you
// can; jumps must go through Jump/JumpIf so that labels resolve.
func (b *Builder) Emit(ins Instruction) {
	if ins.Op&0x07 == ClassJMP {
		b.fail("Emit of jump opcode %#x: use Jump or JumpIf with labels", ins.Op)
		return
	}
	b.items = append(b.items, item{ins: ins})
}

// LoadAbs loads the 32-bit word at offset off of seccomp_data into A
// (OffsetNr, OffsetArch, ArgLow(i), ArgHigh(i), ...).
func (b *Builder) LoadAbs(off uint32) { b.Emit(Stmt(OpLdAbsW, off)) }

// LoadImm sets A = k.
func (b *Builder) LoadImm(k uint32) { b.Emit(Stmt(OpLdImm, k)) }

// LoadXImm sets X = k.
func (b *Builder) LoadXImm(k uint32) { b.Emit(Stmt(OpLdxImm, k)) }

func (b *Builder) mem(op uint16, slot uint32) {
	if slot >= MemWords {
		b.fail("scratch memory slot %d out of range 0..%d", slot, MemWords-1)
		return
	}
	b.Emit(Stmt(op, slot))
}

// LoadMem sets A = M[slot].
func (b *Builder) LoadMem(slot uint32) { b.mem(OpLdMem, slot) }

// LoadXMem sets X = M[slot].
func (b *Builder) LoadXMem(slot uint32) { b.mem(OpLdxMem, slot) }

// Store sets M[slot] = A.
func (b *Builder) Store(slot uint32) { b.mem(OpSt, slot) }

// StoreX sets M[slot] = X.
func (b *Builder) StoreX(slot uint32) { b.mem(OpStx, slot) }

// ALU sets A = A op k.
func (b *Builder) ALU(op ALUOp, k uint32) {
	b.Emit(Stmt(ClassALU|uint16(op)|SrcK, k))
}

// ALUX sets A = A op X.
func (b *Builder) ALUX(op ALUOp) { b.Emit(Stmt(ClassALU|uint16(op)|SrcX, 0)) }

// Neg sets A = -A.
func (b *Builder) Neg() { b.Emit(Stmt(OpNeg, 0)) }

// TAX sets X = A.
func (b *Builder) TAX() { b.Emit(Stmt(OpTax, 0)) }

// TXA sets A = X.
func (b *Builder) TXA() { b.Emit(Stmt(OpTxa, 0)) }

// RetK returns k.
func (b *Builder) RetK(k uint32) { b.Emit(Stmt(OpRetK, k)) }

// RetA returns A.
func (b *Builder) RetA() { b.Emit(Stmt(OpRetA, 0)) }

// Jump jumps to l.
func (b *Builder) Jump(l Label) {
	b.use(l)
	b.items = append(b.items, item{ins: Stmt(OpJa, 0), kind: itemJump, jt: l})
}

// JumpIf compares A with k and jumps to t when cond holds, else to f.
func (b *Builder) JumpIf(cond Cond, k uint32, t, f Label) { b.jumpIf(cond, SrcK, k, t, f) }

// JumpIfX compares A with X and jumps to t when cond holds, else to f.
func (b *Builder) JumpIfX(cond Cond, t, f Label) { b.jumpIf(cond, SrcX, 0, t, f) }

func (b *Builder) jumpIf(cond Cond, src uint16, k uint32, t, f Label) {
	op, swap, ok := condOp(cond)
	if !ok {
		b.fail("unknown jump condition %d", cond)
		return
	}
	if swap {
		t, f = f, t
	}
	b.use(t)
	b.use(f)
	b.items = append(b.items, item{ins: Jump(ClassJMP|op|src, k, 0, 0), kind: itemCond, jt: t, jf: f})
}

// maxJumpOffset is the reach of a conditional jump's 8-bit offsets.
const maxJumpOffset = 255

// Assemble resolves labels and returns the program. It fails when the
// contract in the Builder doc is broken or the program exceeds
// MaxInstructions; it does not run Validate.
func (b *Builder) Assemble() ([]Instruction, error) {
	if b.err != nil {
		return nil, b.err
	}
	n := len(b.items)
	if n == 0 {
		return nil, errors.New("bpf builder: empty program: end it with a return")
	}
	for i, used := range b.labelUsed {
		pos := b.labelPos[i]
		switch {
		case used && pos < 0:
			return nil, fmt.Errorf("bpf builder: label L%d is jumped to but never placed", i+1)
		case pos == n:
			return nil, fmt.Errorf("bpf builder: label L%d is placed after the last instruction: end the program with a return", i+1)
		}
	}
	if last := b.items[n-1]; last.kind != itemStmt || !IsRet(last.ins) {
		return nil, fmt.Errorf("bpf builder: the last instruction (%d) is not a return: control would fall off the end", n-1)
	}

	// tramp[i] bit 0: the true branch of item i goes through a trampoline
	// placed right after it; bit 1: the false branch does (both branches to
	// one label share one). A trampoline is only ever added, and only when
	// the distance exceeds the 8-bit reach, so the fixpoint below
	// terminates after at most 2n rounds.
	tramp := make([]uint8, n)
	pos := make([]int, n+1) // final index of each item; pos[n] = length
	// size of item i's trampolines; -1 for an unconditional jump to the
	// very next item, which Assemble drops.
	count := func(i int) int {
		if it := b.items[i]; it.kind == itemJump && b.labelPos[it.jt.id-1] == i+1 {
			return -1
		}
		t := tramp[i]
		if t == 3 && b.items[i].jt == b.items[i].jf {
			return 1
		}
		return int(t&1) + int(t>>1&1)
	}
	for {
		p := 0
		for i := range b.items {
			pos[i] = p
			p += 1 + count(i)
		}
		pos[n] = p
		changed := false
		for i, it := range b.items {
			if it.kind != itemCond {
				continue
			}
			base := pos[i] + 1
			if tramp[i]&1 == 0 && pos[b.labelPos[it.jt.id-1]]-base > maxJumpOffset {
				tramp[i] |= 1
				changed = true
			}
			if tramp[i]&2 == 0 && pos[b.labelPos[it.jf.id-1]]-base > maxJumpOffset {
				tramp[i] |= 2
				changed = true
			}
		}
		if !changed {
			break
		}
	}
	total := pos[n]
	if total > MaxInstructions {
		return nil, fmt.Errorf("bpf builder: program is %d instructions, more than the kernel's limit of %d", total, MaxInstructions)
	}

	// trampoline to the item at label l, placed at index slot: a copy of
	// the target when it is a return (one instruction fewer to execute),
	// else a JA with a 32-bit offset.
	trampoline := func(l Label, slot int) Instruction {
		ti := b.labelPos[l.id-1]
		if t := b.items[ti]; t.kind == itemStmt && IsRet(t.ins) {
			return t.ins
		}
		return Stmt(OpJa, uint32(pos[ti]-slot-1))
	}
	prog := make([]Instruction, 0, total)
	for i, it := range b.items {
		here := pos[i]
		ins := it.ins
		switch it.kind {
		case itemStmt:
			prog = append(prog, ins)
		case itemJump:
			if count(i) < 0 {
				continue
			}
			ins.K = uint32(pos[b.labelPos[it.jt.id-1]] - here - 1)
			prog = append(prog, ins)
		case itemCond:
			ins.Jt = uint8(pos[b.labelPos[it.jt.id-1]] - here - 1)
			ins.Jf = uint8(pos[b.labelPos[it.jf.id-1]] - here - 1)
			slot := here + 1
			var tail [2]Instruction
			nt := 0
			if tramp[i]&1 != 0 {
				ins.Jt = uint8(slot - here - 1)
				tail[nt] = trampoline(it.jt, slot)
				nt++
				slot++
			}
			if tramp[i]&2 != 0 {
				if tramp[i]&1 != 0 && it.jf == it.jt {
					ins.Jf = ins.Jt
				} else {
					ins.Jf = uint8(slot - here - 1)
					tail[nt] = trampoline(it.jf, slot)
					nt++
				}
			}
			prog = append(prog, ins)
			prog = append(prog, tail[:nt]...)
		}
	}
	return prog, nil
}
