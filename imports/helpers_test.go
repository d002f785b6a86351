package imports

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// call is one row of a decision table: a native syscall with arguments and
// the action the imported policy must give it.
type call struct {
	name string
	args []uint64
	want string // seccomp.Action text: allow, errno(EPERM), kill-process...
}

func data(t testing.TB, a syscalls.Arch, name string, args []uint64) bpf.SeccompData {
	t.Helper()
	nr, ok := syscalls.Number(a, name)
	if !ok {
		t.Fatalf("no syscall %s on %s", name, a)
	}
	d := bpf.SeccompData{Nr: int32(nr), Arch: a.AuditArch()}
	copy(d.Args[:], args)
	return d
}

func checkCalls(t *testing.T, p *seccomp.Policy, calls []call) {
	t.Helper()
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	for _, c := range calls {
		d := data(t, syscalls.Native, c.name, c.args)
		got := p.Decide(d).Action.String()
		if got != c.want {
			t.Errorf("%s%v: Decide = %s, want %s", c.name, c.args, got, c.want)
		}
		ret, err := bpf.Run(prog.Instructions, d)
		if err != nil {
			t.Fatalf("run: %v", err)
		}
		if bin := seccomp.ActionFromRet(ret).String(); bin != c.want {
			t.Errorf("%s%v: compiled filter = %s, want %s", c.name, c.args, bin, c.want)
		}
	}
}

// positioned asserts err is a *policy.Error at a real position whose text
// has the file:line:col prefix and, when it has a source line, a caret.
func positioned(t testing.TB, err error) *policy.Error {
	t.Helper()
	var pe *policy.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %q (%T) is not a *policy.Error", err, err)
	}
	if pe.Pos.Line < 1 || pe.Pos.Col < 1 {
		t.Fatalf("error %q has no position", err)
	}
	if !strings.HasPrefix(err.Error(), pe.Pos.String()+": ") {
		t.Fatalf("error %q does not start with its position %s", err, pe.Pos)
	}
	if pe.Line != "" && !strings.Contains(err.Error(), "^") {
		t.Fatalf("error %q has a source line but no caret", err)
	}
	return pe
}

// interesting returns argument values worth trying for p: every constant a
// condition names, its neighbours, 0 and all-ones, in both halves.
func interesting(p *seccomp.Policy) []uint64 {
	set := map[uint64]bool{0: true, ^uint64(0): true, 0xffffffff: true, 1 << 32: true}
	walk := func(e seccomp.Expr) {
		seccomp.EachCmp(e, func(x seccomp.Cmp) {
			for _, v := range []uint64{x.Value, x.Mask, x.Value &^ x.Mask} {
				for _, d := range []uint64{v, v + 1, v - 1, v | 0xffffffff00000000, uint64(uint32(v)), ^v} {
					set[d] = true
				}
			}
		})
	}
	for _, r := range p.Rules {
		if r.When != nil {
			walk(r.When)
		}
	}
	out := make([]uint64, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	return out
}

// roundTrip prints p as ringfence policy text, loads it back and checks that
// both decide n random calls alike (syscalls the rules name, and random
// numbers, with arguments drawn from interesting values).
func roundTrip(t *testing.T, p *seccomp.Policy, n int) {
	t.Helper()
	text := policy.Print(p)
	q, err := policy.LoadSource("printed.policy", text, policy.LoadOptions{})
	if err != nil {
		t.Fatalf("printed policy does not load: %v\n%s", err, text)
	}
	vals := interesting(p)
	rng := rand.New(rand.NewPCG(1, 2))
	var names []string
	for _, r := range p.Rules {
		names = append(names, r.Syscall)
	}
	for i := 0; i < n; i++ {
		a := p.AdmittedArches()[rng.IntN(len(p.AdmittedArches()))]
		var d bpf.SeccompData
		if len(names) > 0 && rng.IntN(4) != 0 {
			nr, ok := syscalls.Number(a, names[rng.IntN(len(names))])
			if !ok {
				continue
			}
			d.Nr = int32(nr)
		} else {
			d.Nr = int32(rng.IntN(syscalls.MaxNumber(a) + 16))
			if a == syscalls.ArchX32 {
				d.Nr |= syscalls.X32SyscallBit
			}
		}
		d.Arch = a.AuditArch()
		for j := range d.Args {
			d.Args[j] = vals[rng.IntN(len(vals))]
		}
		if x, y := p.Decide(d), q.Decide(d); x.Action != y.Action {
			t.Fatalf("round trip changed a decision: %s nr=%d args=%#x: imported %s (%s), printed %s\n%s", a, d.Nr, d.Args, x.Action, x.Reason, y.Action, text)
		}
	}
}
