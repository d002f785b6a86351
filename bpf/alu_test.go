package bpf

import (
	"fmt"
	"testing"
)

// aluRef is each ALU operation as Go computes it; kill means the kernel
// ends the program with verdict 0 (division by X == 0).
var aluRef = []struct {
	op ALUOp
	f  func(a, b uint32) (r uint32, kill bool)
}{
	{ALUAdd, func(a, b uint32) (uint32, bool) { return a + b, false }},
	{ALUSub, func(a, b uint32) (uint32, bool) { return a - b, false }},
	{ALUMul, func(a, b uint32) (uint32, bool) { return a * b, false }},
	{ALUDiv, func(a, b uint32) (uint32, bool) {
		if b == 0 {
			return 0, true
		}
		return a / b, false
	}},
	{ALUOr, func(a, b uint32) (uint32, bool) { return a | b, false }},
	{ALUAnd, func(a, b uint32) (uint32, bool) { return a & b, false }},
	{ALUXor, func(a, b uint32) (uint32, bool) { return a ^ b, false }},
	{ALULsh, func(a, b uint32) (uint32, bool) { return a << (b & 31), false }},
	{ALURsh, func(a, b uint32) (uint32, bool) { return a >> (b & 31), false }},
}

// condRef is each jump condition as Go computes it.
var condRef = []struct {
	c    Cond
	name string
	f    func(a, b uint32) bool
}{
	{JEq, "==", func(a, b uint32) bool { return a == b }},
	{JNe, "!=", func(a, b uint32) bool { return a != b }},
	{JGt, ">", func(a, b uint32) bool { return a > b }},
	{JLt, "<", func(a, b uint32) bool { return a < b }},
	{JGe, ">=", func(a, b uint32) bool { return a >= b }},
	{JLe, "<=", func(a, b uint32) bool { return a <= b }},
	{JSet, "&", func(a, b uint32) bool { return a&b != 0 }},
	{JNotSet, "!&", func(a, b uint32) bool { return a&b == 0 }},
}

// aluProgram returns a program computing A = args[0].lo op operand and
// returning it whole: with K (fixed k) or X (args[1].lo) as the operand.
func aluProgram(op ALUOp, useX bool, k uint32) []Instruction {
	b := NewBuilder()
	b.LoadAbs(ArgLow(1))
	b.TAX()
	b.LoadAbs(ArgLow(0))
	if useX {
		b.ALUX(op)
	} else {
		b.ALU(op, k)
	}
	b.RetA()
	prog, err := b.Assemble()
	if err != nil {
		panic(err)
	}
	return prog
}

// condProgram returns a program that returns 1 when args[0].lo cond operand
// holds, else 2.
func condProgram(c Cond, useX bool, k uint32) []Instruction {
	b := NewBuilder()
	yes, no := b.NewLabel(), b.NewLabel()
	b.LoadAbs(ArgLow(1))
	b.TAX()
	b.LoadAbs(ArgLow(0))
	if useX {
		b.JumpIfX(c, yes, no)
	} else {
		b.JumpIf(c, k, yes, no)
	}
	b.Place(yes)
	b.RetK(1)
	b.Place(no)
	b.RetK(2)
	prog, err := b.Assemble()
	if err != nil {
		panic(err)
	}
	return prog
}

func argData(a, x uint32) SeccompData {
	// the high halves hold garbage the programs must not see
	return SeccompData{Args: [6]uint64{0xdeadbeef00000000 | uint64(a), 0xfeedface00000000 | uint64(x)}}
}

// TestALUBoundaries checks every ALU operation, with K and with X, on every
// pair of boundary values against Go's arithmetic.
func TestALUBoundaries(t *testing.T) {
	for _, ref := range aluRef {
		progX := aluProgram(ref.op, true, 0)
		for _, b := range boundary32 {
			validK := !(ref.op == ALUDiv && b == 0) && !((ref.op == ALULsh || ref.op == ALURsh) && b >= 32)
			progK := aluProgram(ref.op, false, b)
			if (Validate(progK) == nil) != validK {
				t.Errorf("op %#x k %#x: Validate = %v, want valid=%v", ref.op, b, Validate(progK), validK)
			}
			for _, a := range boundary32 {
				want, kill := ref.f(a, b)
				if kill {
					want = 0
				}
				got, err := Run(progX, argData(a, b))
				if err != nil || got != want {
					t.Errorf("op %#x X: %#x op %#x = %#x, %v; want %#x", ref.op, a, b, got, err, want)
				}
				if !validK {
					continue
				}
				got, err = Run(progK, argData(a, 0))
				if err != nil || got != want {
					t.Errorf("op %#x K: %#x op %#x = %#x, %v; want %#x", ref.op, a, b, got, err, want)
				}
			}
		}
	}
	neg := []Instruction{Stmt(OpLdAbsW, ArgLow(0)), Stmt(OpNeg, 0), Stmt(OpRetA, 0)}
	for _, a := range boundary32 {
		if got, _ := Run(neg, argData(a, 0)); got != -a {
			t.Errorf("neg %#x = %#x, want %#x", a, got, -a)
		}
	}
}

// TestJumpBoundaries checks every jump condition (the four machine jumps
// and the four the builder derives by swapping targets), with K and X, on
// every pair of boundary values against Go's comparisons.
func TestJumpBoundaries(t *testing.T) {
	for _, ref := range condRef {
		progX := condProgram(ref.c, true, 0)
		for _, b := range boundary32 {
			progK := condProgram(ref.c, false, b)
			for _, a := range boundary32 {
				want := uint32(2)
				if ref.f(a, b) {
					want = 1
				}
				for _, p := range [][]Instruction{progX, progK} {
					got, err := Run(p, argData(a, b))
					if err != nil || got != want {
						t.Errorf("%#x %s %#x: got %d, %v; want %d", a, ref.name, b, got, err, want)
					}
				}
			}
		}
	}
}

// TestLoadWords checks every loadable offset against the memory image of
// seccomp_data.
func TestLoadWords(t *testing.T) {
	g := newGen(3)
	for range 100 {
		d := g.data(auditArchForTests)
		img := d.Bytes()
		for off := uint32(0); off < SeccompDataSize; off += 4 {
			want := uint32(img[off]) | uint32(img[off+1])<<8 | uint32(img[off+2])<<16 | uint32(img[off+3])<<24
			got, err := Run([]Instruction{Stmt(OpLdAbsW, off), Stmt(OpRetA, 0)}, d)
			if err != nil || got != want {
				t.Fatalf("load %d: %#x, %v; want %#x", off, got, err, want)
			}
		}
	}
	for _, op := range []uint16{OpLdLenW, OpLdxLenW} {
		var got uint32
		if op == OpLdLenW {
			got, _ = Run([]Instruction{Stmt(op, 0), Stmt(OpRetA, 0)}, SeccompData{})
		} else {
			got, _ = Run([]Instruction{Stmt(op, 0), Stmt(OpTxa, 0), Stmt(OpRetA, 0)}, SeccompData{})
		}
		if got != SeccompDataSize {
			t.Errorf("op %#x loads %d, want %d", op, got, SeccompDataSize)
		}
	}
}

const auditArchForTests = 0xc000003e

// TestRunErrors: what the kernel would refuse to load, Run reports when it
// gets there, without panicking.
func TestRunErrors(t *testing.T) {
	cases := map[string][]Instruction{
		"empty":        {},
		"fall off":     {Stmt(OpLdImm, 1)},
		"bad opcode":   {Stmt(0xff, 0), Stmt(OpRetK, 0)},
		"mod":          {Stmt(ClassALU|uint16(ALUMod)|SrcK, 3), Stmt(OpRetK, 0)},
		"misaligned":   {Stmt(OpLdAbsW, 2), Stmt(OpRetK, 0)},
		"past data":    {Stmt(OpLdAbsW, 64), Stmt(OpRetK, 0)},
		"div by K 0":   {Stmt(ClassALU|uint16(ALUDiv)|SrcK, 0), Stmt(OpRetK, 0)},
		"shift 32":     {Stmt(ClassALU|uint16(ALULsh)|SrcK, 32), Stmt(OpRetK, 0)},
		"slot 16":      {Stmt(OpSt, 16), Stmt(OpRetK, 0)},
		"ja past end":  {Stmt(OpJa, 1), Stmt(OpRetK, 0)},
		"ja huge":      {Stmt(OpJa, 0xffffffff), Stmt(OpRetK, 0)},
		"jeq past end": {Jump(ClassJMP|JmpJEQ|SrcK, 0, 1, 1), Stmt(OpRetK, 0)},
	}
	for name, p := range cases {
		if _, err := Run(p, SeccompData{}); err == nil {
			t.Errorf("%s: no error", name)
		} else if Validate(p) == nil {
			t.Errorf("%s: Validate accepts what Run refuses", name)
		}
	}
}

func ExampleBuilder() {
	b := NewBuilder()
	kill, allow, checkNr := b.NewLabel(), b.NewLabel(), b.NewLabel()
	b.LoadAbs(OffsetArch)
	b.JumpIf(JEq, 0xc000003e, checkNr, kill)
	b.Place(checkNr)
	b.LoadAbs(OffsetNr)
	b.JumpIf(JLt, 1024, allow, kill)
	b.Place(allow)
	b.RetK(0x7fff0000)
	b.Place(kill)
	b.RetK(0x80000000)
	prog, err := b.Assemble()
	if err != nil {
		panic(err)
	}
	ret, _ := Run(prog, SeccompData{Arch: 0xc000003e, Nr: 2048})
	fmt.Printf("%d instructions, verdict %#x\n", len(prog), ret)
	// Output: 6 instructions, verdict 0x80000000
}
