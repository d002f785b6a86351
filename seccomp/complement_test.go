package seccomp

import (
	"math/rand"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// TestElseRulesTestConditionOnce: a rule and its `else` (the same condition
// negated, another action) decide exactly as Decide does, and the compiled
// program evaluates the condition once, not twice.
func TestElseRulesTestConditionOnce(t *testing.T) {
	conds := []Expr{
		Or{Cmp{Arg: 1, Op: OpEq, Value: 0x5421, Width32: true}, Cmp{Arg: 1, Op: OpEq, Value: 0x541b, Width32: true}},
		And{Cmp{Arg: 0, Op: OpLt, Value: 100, Signed: true, Width32: true}, Cmp{Arg: 2, Op: OpMaskedEq, Mask: 0xf0, Value: 0x10}},
		Cmp{Arg: 3, Op: OpGe, Value: 1 << 40},
		Not{X: Cmp{Arg: 0, Op: OpEq, Value: 7}},
	}
	nr, _ := syscalls.Number(syscalls.ArchX86_64, "ioctl")
	rng := rand.New(rand.NewSource(7))
	interesting := []uint64{0, 1, 7, 99, 100, 101, 0x10, 0x1f, 0x5421, 0x541b, 1 << 40, 1<<40 - 1, ^uint64(0), 0xffffffff, 0xffffffff00000010}
	for i, c := range conds {
		p := &Policy{Default: Errno(1), Arches: []syscalls.Arch{syscalls.ArchX86_64}, Rules: []Rule{
			{Syscall: "ioctl", When: c, Action: Allow},
			{Syscall: "ioctl", When: Not{X: c}, Action: Errno(25)},
		}}
		prog, err := Compile(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		plain, err := Compile(p, Options{NoOptimize: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(prog.Instructions) >= len(plain.Instructions) {
			t.Errorf("condition %d: optimized program (%d insns) is not shorter than the unoptimized one (%d)", i, len(prog.Instructions), len(plain.Instructions))
		}
		for n := 0; n < 20000; n++ {
			d := bpf.SeccompData{Nr: int32(nr), Arch: syscalls.AuditArchX86_64}
			for a := range d.Args {
				if rng.Intn(2) == 0 {
					d.Args[a] = interesting[rng.Intn(len(interesting))]
				} else {
					d.Args[a] = rng.Uint64()
				}
			}
			ret, err := bpf.Run(prog.Instructions, d)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := ActionFromRet(ret), p.Decide(d).Action; got != want {
				t.Fatalf("condition %d, %+v: program %s, Decide %s", i, d.Args, got, want)
			}
		}
	}
}
