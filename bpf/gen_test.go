package bpf

import (
	"errors"
	"math/rand/v2"
)

// boundary32 are the 32-bit values where unsigned arithmetic and
// comparisons change behaviour.
var boundary32 = []uint32{
	0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 33, 63, 64, 0x7f, 0x80, 0xff, 0x100,
	0x7fff, 0x8000, 0xffff, 0x10000, 0x3fffffff, 0x40000000, 0x7fffffff,
	0x80000000, 0x80000001, 0xc000003e, 0xfffffffe, 0xffffffff,
}

type progGen struct {
	r      *rand.Rand
	skipNr map[int32]bool // numbers data never returns
	ipBias bool           // loads favour the instruction pointer
}

func newGen(seed uint64) *progGen { return &progGen{r: rand.New(rand.NewPCG(seed, 0x5eccc0))} }

func (g *progGen) u32() uint32 {
	if g.r.IntN(2) == 0 {
		return boundary32[g.r.IntN(len(boundary32))]
	}
	return g.r.Uint32()
}

func (g *progGen) u64() uint64 { return uint64(g.u32())<<32 | uint64(g.u32()) }

// data returns random seccomp_data for arch (nr never exitGroupNr).
func (g *progGen) data(arch uint32) SeccompData {
	d := SeccompData{Arch: arch}
	switch g.r.IntN(3) {
	case 0:
		d.Nr = int32(g.r.IntN(512))
	case 1:
		d.Nr = int32(g.u32())
	default:
		d.Nr = int32(g.r.IntN(16))
	}
	for d.Nr == exitGroupNr || g.skipNr[d.Nr] {
		d.Nr++
	}
	for i := range d.Args {
		d.Args[i] = g.u64()
	}
	d.InstructionPointer = g.u64()
	return d
}

// exitGroupNr is x86_64's exit_group, which kernel tests let through.
const exitGroupNr = 231

// dataOffsets are the loadable offsets of seccomp_data; the instruction
// pointer (8, 12) is left out unless withIP.
func (g *progGen) loadOffset(withIP bool) uint32 {
	if withIP && g.ipBias && g.r.IntN(2) == 0 {
		return OffsetIPLo + 4*uint32(g.r.IntN(2))
	}
	for {
		off := uint32(g.r.IntN(SeccompDataSize/4)) * 4
		if withIP || (off != OffsetIPLo && off != OffsetIPHi) {
			return off
		}
	}
}

// block is a piece of a generated program; jumps name later blocks.
type block struct {
	ins    []Instruction
	jumpAt int // index in ins of a jump, -1 if none
}

// safeProgram returns a random program the kernel accepts whose every
// return is SECCOMP_RET_ERRNO|data (RET A goes through a mask first), so
// that installing it can never let a syscall run; only a division by X == 0
// returns something else (0, kill-thread). It never loads the instruction
// pointer unless withIP.
func (g *progGen) safeProgram(maxBlocks int, withIP bool) []Instruction {
	nb := 1 + g.r.IntN(maxBlocks)
	blocks := make([]block, nb)
	for i := range blocks {
		b := &blocks[i]
		b.jumpAt = -1
		kind := g.r.IntN(10)
		if i == nb-1 {
			kind = 8 + g.r.IntN(2)
		}
		switch kind {
		case 0, 1, 2, 3:
			b.ins = []Instruction{g.stmt(withIP)}
		case 4, 5:
			ops := []uint16{JmpJEQ, JmpJGT, JmpJGE, JmpJSET}
			src := uint16(SrcK)
			if g.r.IntN(3) == 0 {
				src = SrcX
			}
			b.ins = []Instruction{Jump(ClassJMP|ops[g.r.IntN(4)]|src, g.u32(), 0, 0)}
			b.jumpAt = 0
		case 6:
			b.ins = []Instruction{Stmt(OpJa, 0)}
			b.jumpAt = 0
		case 7, 8:
			data := uint32(g.r.IntN(maxErrnoData + 1))
			if g.r.IntN(8) == 0 {
				data = g.u32() & 0xffff // errno data above 4095: the kernel caps it
			}
			b.ins = []Instruction{Stmt(OpRetK, retErrno|data)}
		default:
			b.ins = []Instruction{
				Stmt(ClassALU|uint16(ALURsh)|SrcK, uint32(g.r.IntN(6)*4)),
				Stmt(ClassALU|uint16(ALUAnd)|SrcK, maxErrnoData),
				Stmt(ClassALU|uint16(ALUOr)|SrcK, retErrno),
				Stmt(OpRetA, 0),
			}
		}
	}
	starts := make([]int, nb+1)
	for i, b := range blocks {
		starts[i+1] = starts[i] + len(b.ins)
	}
	pick := func(from, here int) (int, int) {
		// a later block whose start is within 255 of here+1
		limit := from
		for limit+1 < nb && starts[limit+1]-(here+1) <= 255 {
			limit++
		}
		t := from + g.r.IntN(limit-from+1)
		return t, starts[t] - (here + 1)
	}
	prog := make([]Instruction, 0, starts[nb])
	for i, b := range blocks {
		if b.jumpAt >= 0 {
			here := starts[i] + b.jumpAt
			ins := &b.ins[b.jumpAt]
			if i == nb-1 {
				panic("generator: jump in the last block")
			}
			if ins.Op == OpJa {
				t := i + 1 + g.r.IntN(nb-i-1)
				ins.K = uint32(starts[t] - (here + 1))
			} else {
				_, jt := pick(i+1, here)
				_, jf := pick(i+1, here)
				ins.Jt, ins.Jf = uint8(jt), uint8(jf)
			}
		}
		prog = append(prog, b.ins...)
	}
	return fixMemReads(prog)
}

const (
	retErrno     = 0x00050000
	retAllow     = 0x7fff0000
	maxErrnoData = 0xfff
)

// stmt returns a random straight-line instruction the kernel accepts.
func (g *progGen) stmt(withIP bool) Instruction {
	alu := []ALUOp{ALUAdd, ALUSub, ALUMul, ALUDiv, ALUOr, ALUAnd, ALULsh, ALURsh, ALUXor}
	switch g.r.IntN(12) {
	case 0, 1, 2:
		return Stmt(OpLdAbsW, g.loadOffset(withIP))
	case 3:
		return Stmt([]uint16{OpLdImm, OpLdxImm, OpLdLenW, OpLdxLenW}[g.r.IntN(4)], g.u32())
	case 4:
		return Stmt([]uint16{OpSt, OpStx, OpLdMem, OpLdxMem}[g.r.IntN(4)], uint32(g.r.IntN(MemWords)))
	case 5:
		return Stmt([]uint16{OpTax, OpTxa, OpNeg}[g.r.IntN(3)], 0)
	case 6, 7:
		op := alu[g.r.IntN(len(alu))]
		return Stmt(ClassALU|uint16(op)|SrcX, 0)
	default:
		op := alu[g.r.IntN(len(alu))]
		k := g.u32()
		switch op {
		case ALUDiv:
			if k == 0 {
				k = 1
			}
		case ALULsh, ALURsh:
			k &= 31
		}
		return Stmt(ClassALU|uint16(op)|SrcK, k)
	}
}

// fixMemReads turns reads of possibly unwritten memory slots into loads of
// an immediate until the kernel's flow rule accepts the program.
func fixMemReads(prog []Instruction) []Instruction {
	for {
		err := Validate(prog)
		var ve *ValidationError
		if err == nil || !errors.As(err, &ve) || ve.Index < 0 {
			if err != nil {
				panic("generator made an invalid program: " + err.Error())
			}
			return prog
		}
		switch prog[ve.Index].Op {
		case OpLdMem:
			prog[ve.Index].Op = OpLdImm
		case OpLdxMem:
			prog[ve.Index].Op = OpLdxImm
		default:
			panic("generator made an invalid program: " + err.Error())
		}
	}
}

// anyOpcode returns an opcode: mostly one of the 256 one-byte codes, now
// and then one with high bits set.
func (g *progGen) anyOpcode() uint16 {
	if g.r.IntN(16) == 0 {
		return uint16(g.r.Uint32())
	}
	return uint16(g.r.IntN(256))
}

// mutate returns a copy of prog with a few random changes: the programs
// near the edge of validity that the kernel agreement test feeds both sides.
func (g *progGen) mutate(prog []Instruction) []Instruction {
	p := append([]Instruction(nil), prog...)
	for n := 1 + g.r.IntN(3); n > 0; n-- {
		if len(p) == 0 {
			p = append(p, Stmt(OpRetK, 0))
		}
		i := g.r.IntN(len(p))
		switch g.r.IntN(9) {
		case 0, 1:
			p[i].Op = g.anyOpcode()
		case 2, 3:
			if g.r.IntN(2) == 0 {
				p[i].K = g.u32()
			} else {
				p[i].K = uint32(g.r.IntN(70))
			}
		case 4:
			p[i].Jt = uint8(g.r.IntN(256))
		case 5:
			p[i].Jf = uint8(g.r.IntN(256))
		case 6:
			p = p[:len(p)-1]
		case 7:
			p = append(p, Instruction{Op: g.anyOpcode(), K: uint32(g.r.IntN(70))})
		case 8:
			// a memory read at a random place
			p[i] = Stmt([]uint16{OpLdMem, OpLdxMem}[g.r.IntN(2)], uint32(g.r.IntN(17)))
		}
	}
	return p
}
