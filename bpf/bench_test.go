package bpf

import "testing"

// typicalProgram is about 100 instructions in the shape a policy compiler
// emits: an arch check, a binary search over the syscall number, equality
// leaves, and a few argument checks on both halves.
func typicalProgram(tb testing.TB) []Instruction {
	b := NewBuilder()
	allow, kill, eperm := b.NewLabel(), b.NewLabel(), b.NewLabel()
	nrs := make([]uint32, 0, 32)
	for nr := uint32(0); len(nrs) < 32; nr += 7 {
		nrs = append(nrs, nr)
	}
	x86 := b.NewLabel()
	b.LoadAbs(OffsetArch)
	b.JumpIf(JEq, 0xc000003e, x86, kill)
	b.Place(x86)
	b.LoadAbs(OffsetNr)
	argLeaves := map[uint32]Label{}
	var tree func(lo, hi int)
	tree = func(lo, hi int) {
		if hi-lo <= 2 {
			for i := lo; i < hi; i++ {
				next := b.NewLabel()
				target := allow
				if i%5 == 0 {
					target = b.NewLabel()
					argLeaves[nrs[i]] = target
				}
				b.JumpIf(JEq, nrs[i], target, next)
				b.Place(next)
			}
			b.Jump(eperm)
			return
		}
		mid := (lo + hi) / 2
		right, left := b.NewLabel(), b.NewLabel()
		b.JumpIf(JGe, nrs[mid], right, left)
		b.Place(left)
		tree(lo, mid)
		b.Place(right)
		tree(mid, hi)
	}
	tree(0, len(nrs))
	for _, nr := range nrs {
		l, ok := argLeaves[nr]
		if !ok {
			continue
		}
		b.Place(l)
		lo := b.NewLabel()
		b.LoadAbs(ArgHigh(int(nr % 6)))
		b.JumpIf(JEq, 0, lo, eperm)
		b.Place(lo)
		b.LoadAbs(ArgLow(int(nr % 6)))
		b.JumpIf(JSet, 0x80000, eperm, allow)
	}
	b.Place(allow)
	b.RetK(retAllow)
	b.Place(eperm)
	b.RetK(retErrno | 1)
	b.Place(kill)
	b.RetK(0x80000000)
	prog, err := b.Assemble()
	if err != nil {
		tb.Fatal(err)
	}
	if err := Validate(prog); err != nil {
		tb.Fatal(err)
	}
	return prog
}

func BenchmarkRun(b *testing.B) {
	prog := typicalProgram(b)
	g := newGen(6)
	data := make([]SeccompData, 256)
	for i := range data {
		data[i] = g.data(0xc000003e)
		data[i].Nr = int32(g.r.IntN(300))
	}
	b.ReportAllocs()
	b.ResetTimer()
	total := 0
	for i := 0; b.Loop(); i++ {
		_, n, err := RunCounted(prog, data[i&255])
		if err != nil {
			b.Fatal(err)
		}
		total += n
	}
	b.ReportMetric(float64(len(prog)), "insns/prog")
	b.ReportMetric(float64(total)/float64(b.N), "executed/op")
}

func BenchmarkValidate(b *testing.B) {
	prog := typicalProgram(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(prog); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRunDoesNotAllocate(t *testing.T) {
	prog := typicalProgram(t)
	d := SeccompData{Arch: 0xc000003e, Nr: 35}
	if n := testing.AllocsPerRun(1000, func() { Run(prog, d) }); n != 0 {
		t.Errorf("Run allocates %v times per call", n)
	}
}
