package seccomp

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ringfence/ringfence/bpf"
)

// checkAgainstDecide compiles p (optimized and not) and compares the
// emulator's verdict on each seccomp_data with Decide's. It returns the
// number of cases checked.
func checkAgainstDecide(t testing.TB, g *gen, p *Policy, ndata int) int {
	t.Helper()
	var progs [2]*Program
	for i, opts := range []Options{{Hot: g.names[:min(3, len(g.names))]}, {NoOptimize: true}} {
		prog, err := Compile(p, opts)
		if errors.Is(err, ErrTooLong) {
			return 0 // a valid outcome for a huge random policy
		}
		if err != nil {
			t.Fatalf("Compile(%+v): %v\npolicy: %s", opts, err, dumpPolicy(p))
		}
		if err := bpf.Validate(prog.Instructions); err != nil {
			t.Fatalf("compiled program does not validate: %v\npolicy: %s", err, dumpPolicy(p))
		}
		progs[i] = prog
	}
	n := 0
	for range ndata {
		d := g.data(p)
		want := p.Decide(d)
		for i, prog := range progs {
			got, err := bpf.Run(prog.Instructions, d)
			n++
			if err != nil {
				t.Fatalf("emulator: %v", err)
			}
			if got != want.Action.Ret() {
				t.Fatalf("disagreement (optimized=%v) on %+v:\n  Decide: %v (%s, rule %v)\n  program: %#x (%v)\npolicy: %s\nprogram:\n%s",
					i == 0, d, want.Action, want.Reason, want.Rule, got, ActionFromRet(got), dumpPolicy(p), dumpProgram(prog.Instructions))
			}
		}
	}
	return n
}

func dumpPolicy(p *Policy) string {
	s := "default=" + p.Default.String() + " badarch=" + p.BadArchAction().String()
	if p.Unknown != nil {
		s += " unknown=" + p.Unknown.String()
	}
	s += " arches="
	for _, a := range p.AdmittedArches() {
		s += a.String() + ","
	}
	for _, r := range p.Rules {
		w := "true"
		if r.When != nil {
			w = r.When.String()
		}
		s += "\n  " + r.Syscall + " " + r.Action.String() + " if " + w
		if len(r.Arches) > 0 {
			s += " arches="
			for _, a := range r.Arches {
				s += a.String() + ","
			}
		}
	}
	return s
}

// TestDifferential: random policies over every ABI, random seccomp_data,
// Decide vs the emulator on the compiled program (optimized and not).
// RINGFENCE_LONG=1 runs it for RINGFENCE_FUZZ_MINUTES (default 10).
func TestDifferential(t *testing.T) {
	budget := 3 * time.Second
	if os.Getenv("RINGFENCE_LONG") != "" {
		budget = 10 * time.Minute
		if m := os.Getenv("RINGFENCE_FUZZ_MINUTES"); m != "" {
			if d, err := time.ParseDuration(m + "m"); err == nil {
				budget = d
			}
		}
	}
	start := time.Now()
	policies, cases := 0, 0
	for seed := uint64(1); time.Since(start) < budget; seed++ {
		g := newGen(seed, 0x5eccc0)
		p := g.policy()
		cases += checkAgainstDecide(t, g, p, 300)
		policies++
	}
	t.Logf("differential: %d policies, %d (program, seccomp_data) cases, 0 disagreements", policies, cases)
}

func FuzzCompile(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i*7919)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		g := newGen(a, b)
		checkAgainstDecide(t, g, g.policy(), 100)
	})
}

func dumpProgram(prog []bpf.Instruction) string {
	s := ""
	for i, ins := range prog {
		s += fmt.Sprintf("%4d: op=%#04x jt=%d jf=%d k=%#x\n", i, ins.Op, ins.Jt, ins.Jf, ins.K)
	}
	return s
}
