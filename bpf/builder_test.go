package bpf

import (
	"strings"
	"testing"
)

// TestBuilderTrampolines builds a dispatch where conditional jumps reach
// past 255 instructions and checks the program is valid and decides like
// the Go code it encodes, for every number on both sides of each test.
func TestBuilderTrampolines(t *testing.T) {
	for _, pad := range []int{0, 1, 253, 254, 255, 256, 300, 1000} {
		b := NewBuilder()
		allow, deny, mid := b.NewLabel(), b.NewLabel(), b.NewLabel()
		b.LoadAbs(OffsetNr)
		b.JumpIf(JEq, 1, allow, mid)
		b.Place(mid)
		next := b.NewLabel()
		b.JumpIf(JLt, 10, deny, next)
		b.Place(next)
		// pad instructions that never run: each returns a distinct value
		for i := 0; i < pad; i++ {
			b.RetK(0xdead0000 + uint32(i))
		}
		far := b.NewLabel()
		b.JumpIf(JGe, 100, far, allow) // unreachable, but must assemble
		b.Place(far)
		b.RetK(7)
		b.Place(allow)
		b.RetK(0x7fff0000)
		b.Place(deny)
		b.RetK(0x00050001)
		prog, err := b.Assemble()
		if err != nil {
			t.Fatalf("pad %d: %v", pad, err)
		}
		if err := Validate(prog); err != nil {
			t.Fatalf("pad %d: assembled program is invalid: %v", pad, err)
		}
		for nr, want := range map[int32]uint32{1: 0x7fff0000, 0: 0x00050001, 9: 0x00050001, 2: 0x00050001} {
			got, err := Run(prog, SeccompData{Nr: nr})
			if err != nil || got != want {
				t.Errorf("pad %d nr %d: got %#x, %v; want %#x", pad, nr, got, err, want)
			}
		}
		// nr >= 10 falls into the first pad return when pad > 0
		got, _ := Run(prog, SeccompData{Nr: 10})
		if pad > 0 && got != 0xdead0000 {
			t.Errorf("pad %d nr 10: got %#x, want 0xdead0000", pad, got)
		}
		if pad > 250 && len(prog) <= pad+8 {
			t.Errorf("pad %d: expected trampolines, program has %d instructions", pad, len(prog))
		}
	}
}

func TestBuilderContract(t *testing.T) {
	cases := []struct {
		name  string
		build func(b *Builder)
		want  string
	}{
		{"empty", func(b *Builder) {}, "empty program"},
		{"fallthrough", func(b *Builder) { b.LoadAbs(0) }, "not a return"},
		{"unplaced", func(b *Builder) { l := b.NewLabel(); b.Jump(l); b.RetK(0) }, "never placed"},
		{"backward", func(b *Builder) { l := b.NewLabel(); b.Place(l); b.LoadAbs(0); b.Jump(l); b.RetK(0) }, "only forward"},
		{"twice", func(b *Builder) { l := b.NewLabel(); b.Place(l); b.Place(l); b.RetK(0) }, "placed twice"},
		{"at end", func(b *Builder) { l := b.NewLabel(); b.Jump(l); b.RetK(0); b.Place(l) }, "after the last instruction"},
		{"foreign label", func(b *Builder) { b.Jump(Label{}); b.RetK(0) }, "NewLabel"},
		{"bad slot", func(b *Builder) { b.Store(16); b.RetK(0) }, "slot 16"},
		{"raw jump", func(b *Builder) { b.Emit(Stmt(OpJa, 0)); b.RetK(0) }, "use Jump"},
		{"too long", func(b *Builder) {
			for i := 0; i <= MaxInstructions; i++ {
				b.RetK(0)
			}
		}, "limit of 4096"},
	}
	for _, c := range cases {
		b := NewBuilder()
		c.build(b)
		_, err := b.Assemble()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want error containing %q", c.name, err, c.want)
		}
	}
}

// runItems interprets the builder's items directly, following labels: the
// reference Assemble's offsets and trampolines must preserve.
func runItems(b *Builder, d SeccompData) uint32 {
	var a, x uint32
	for i := 0; i < len(b.items); {
		it := b.items[i]
		switch it.kind {
		case itemJump:
			i = b.labelPos[it.jt.id-1]
			continue
		case itemCond:
			one := []Instruction{Jump(it.ins.Op, it.ins.K, 0, 1), Stmt(OpRetK, 1), Stmt(OpRetK, 0)}
			// evaluate the condition with the emulator on the current A, X
			pre := []Instruction{Stmt(OpLdImm, x), Stmt(OpTax, 0), Stmt(OpLdImm, a)}
			r, err := Run(append(pre, one...), d)
			if err != nil {
				panic(err)
			}
			if r == 1 {
				i = b.labelPos[it.jt.id-1]
			} else {
				i = b.labelPos[it.jf.id-1]
			}
			continue
		}
		if IsRet(it.ins) {
			if it.ins.Op == OpRetA {
				return a
			}
			return it.ins.K
		}
		// straight-line: run it alone with the current A, X
		pre := []Instruction{Stmt(OpLdImm, x), Stmt(OpTax, 0), Stmt(OpLdImm, a), it.ins, Stmt(OpStx, 0), Stmt(OpSt, 1), Stmt(OpLdMem, 0), Stmt(OpRetA, 0)}
		xv, _ := Run(pre, d)
		pre[len(pre)-2] = Stmt(OpLdMem, 1)
		av, _ := Run(pre, d)
		a, x = av, xv
		i++
	}
	panic("fell off the end")
}

// TestBuilderRandom assembles random label-structured programs, many with
// jumps far beyond 255 instructions, and checks each assembled program is
// valid and decides exactly like the label-level reference, with and
// without trampolines.
func TestBuilderRandom(t *testing.T) {
	g := newGen(7)
	tramps := 0
	for iter := 0; iter < 300; iter++ {
		b := NewBuilder()
		nblocks := 2 + g.r.IntN(12)
		labels := make([]Label, nblocks)
		for i := range labels {
			labels[i] = b.NewLabel()
		}
		later := func(i int) Label { return labels[i+1+g.r.IntN(nblocks-i-1)] }
		for i := 0; i < nblocks; i++ {
			b.Place(labels[i])
			if i == nblocks-1 {
				b.RetK(uint32(1000 + i))
				break
			}
			// padding, sometimes long enough to force trampolines
			pad := g.r.IntN(4)
			if g.r.IntN(3) == 0 {
				pad = 100 + g.r.IntN(300)
			}
			for range pad {
				b.ALU(ALUAdd, 1)
			}
			b.LoadAbs(g.loadOffset(true))
			for range g.r.IntN(3) {
				b.JumpIf(condRef[g.r.IntN(len(condRef))].c, g.u32(), later(i), later(i))
				next := b.NewLabel()
				b.JumpIf(condRef[g.r.IntN(len(condRef))].c, g.u32(), later(i), next)
				b.Place(next)
			}
			switch g.r.IntN(3) {
			case 0:
				b.RetK(uint32(1000 + i))
			case 1:
				b.RetA()
			default:
				b.Jump(later(i))
			}
		}
		prog, err := b.Assemble()
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(prog); err != nil {
			t.Fatalf("assembled program invalid: %v", err)
		}
		if len(prog) > b.Len() {
			tramps++
		}
		for range 50 {
			d := g.data(auditArchForTests)
			want := runItems(b, d)
			got, err := Run(prog, d)
			if err != nil || got != want {
				t.Fatalf("iteration %d: assembled program returns %#x, %v; labels say %#x", iter, got, err, want)
			}
		}
	}
	t.Logf("%d of 300 programs needed trampolines", tramps)
}
