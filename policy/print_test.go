package policy

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// randomPolicy builds an IR policy the way an importer might: any
// operator, width and signedness on any argument, overlapping rules,
// guards naming ABIs the policy does not admit, duplicate conditions with
// different actions.
type policyGen struct {
	r    *rand.Rand
	pool []uint64 // values conditions and arguments are drawn from
}

var actionPool = []seccomp.Action{seccomp.Allow, seccomp.Log, seccomp.Notify, seccomp.Trap, seccomp.KillThread,
	seccomp.KillProcess, seccomp.Errno(1), seccomp.Errno(13), seccomp.Errno(4095), seccomp.Trace(7)}

func (g *policyGen) action() seccomp.Action { return actionPool[g.r.IntN(len(actionPool))] }

func (g *policyGen) arches() []syscalls.Arch {
	all := []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386, syscalls.ArchX32, syscalls.ArchAArch64}
	g.r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:g.r.IntN(3)]
}

func (g *policyGen) value() uint64 {
	v := g.pool[g.r.IntN(len(g.pool))]
	switch g.r.IntN(4) {
	case 0:
		v = g.r.Uint64()
	case 1:
		v |= uint64(g.r.Uint32()) << 32 // garbage in the upper half
	}
	return v
}

func (g *policyGen) expr(depth int) seccomp.Expr {
	k := g.r.IntN(10)
	if depth == 0 {
		k = 0
	}
	switch {
	case k < 6:
		c := seccomp.Cmp{Arg: uint8(g.r.IntN(6)), Op: seccomp.Op(1 + g.r.IntN(7)), Value: g.value(),
			Width32: g.r.IntN(2) == 0, Signed: g.r.IntN(2) == 0}
		if c.Op == seccomp.OpMaskedEq {
			c.Mask = g.value()
			c.Value &= c.Mask
			if g.r.IntN(4) == 0 {
				c.Value = 0 // the shape `in` lowers to
			}
		}
		if c.Width32 {
			c.Value, c.Mask = uint64(uint32(c.Value)), uint64(uint32(c.Mask))
		}
		return c
	case k < 7:
		return seccomp.Not{X: g.expr(depth - 1)}
	case k < 8:
		return seccomp.True{}
	}
	n := g.r.IntN(3)
	xs := make([]seccomp.Expr, n)
	for i := range xs {
		xs[i] = g.expr(depth - 1)
	}
	if k == 8 {
		return seccomp.And(xs)
	}
	return seccomp.Or(xs)
}

func (g *policyGen) policy() *seccomp.Policy {
	p := &seccomp.Policy{Default: g.action(), Arches: g.arches()}
	if g.r.IntN(2) == 0 {
		p.BadArch = g.action()
	}
	if g.r.IntN(2) == 0 {
		a := g.action()
		p.Unknown = &a
	}
	names := syscalls.Names(p.AdmittedArches()[0])
	for i := g.r.IntN(12); i >= 0; i-- {
		r := seccomp.Rule{Syscall: names[g.r.IntN(len(names))], Action: g.action()}
		if g.r.IntN(4) == 0 {
			r.Arches = g.arches()
		}
		if g.r.IntN(3) > 0 {
			r.When = g.expr(3)
		}
		p.Rules = append(p.Rules, r)
		if g.r.IntN(4) == 0 { // the same syscall again, same condition, other action
			r2 := r
			r2.Action = g.action()
			p.Rules = append(p.Rules, r2)
		}
	}
	return p
}

// data draws a seccomp_data aimed at p's rules.
func (g *policyGen) data(p *seccomp.Policy) bpf.SeccompData {
	var d bpf.SeccompData
	arches := p.AdmittedArches()
	abi := arches[g.r.IntN(len(arches))]
	if g.r.IntN(8) == 0 {
		abi = syscalls.Arches[g.r.IntN(len(syscalls.Arches))]
	}
	d.Arch = abi.AuditArch()
	switch {
	case len(p.Rules) > 0 && g.r.IntN(4) > 0:
		nr, _ := syscalls.Number(abi, p.Rules[g.r.IntN(len(p.Rules))].Syscall)
		d.Nr = int32(nr)
	case abi == syscalls.ArchX32:
		d.Nr = int32(syscalls.X32SyscallBit | g.r.IntN(600))
	default:
		d.Nr = int32(g.r.IntN(600))
	}
	for i := range d.Args {
		d.Args[i] = g.value()
	}
	return d
}

func newGen(seed uint64) *policyGen {
	g := &policyGen{r: rand.New(rand.NewPCG(seed, 1))}
	g.pool = []uint64{0, 1, 2, 3, 5, 8, 0x10, 0x80, 0x800, 0x80000, 0x7fffffff, 0x80000000, 0xffffffff,
		1 << 32, 1<<63 - 1, 1 << 63, ^uint64(0), ^uint64(99)}
	for _, n := range []string{"AF_UNIX", "AF_INET", "O_CLOEXEC", "O_NONBLOCK", "O_DIRECTORY", "O_WRONLY",
		"SOCK_STREAM", "CLONE_NEWUSER", "PROT_EXEC", "AT_FDCWD", "TIOCSTI", "PR_SET_SECCOMP"} {
		if v, ok := syscalls.Constant(n); ok {
			g.pool = append(g.pool, v)
		}
	}
	return g
}

// TestPrintKeepsDecisions prints random IR policies, parses the text back
// and checks both decide every sampled call alike.
func TestPrintKeepsDecisions(t *testing.T) {
	policies, samples := 400, 400
	if os.Getenv("RINGFENCE_LONG") != "" {
		policies = 20000
	}
	for seed := range uint64(policies) {
		g := newGen(seed)
		p := g.policy()
		text := Print(p)
		q, err := LoadSource("printed.policy", text, LoadOptions{})
		if err != nil {
			t.Fatalf("seed %d: printed policy does not load: %v\n%s", seed, err, text)
		}
		for range samples {
			d := g.data(p)
			want, got := p.Decide(d), q.Decide(d)
			if want.Action != got.Action {
				t.Fatalf("seed %d: %+v: IR decides %s (%s), printed policy %s (%s)\n--- printed\n%s",
					seed, d, want.Action, want.Reason, got.Action, got.Reason, text)
			}
		}
	}
}

// TestPrintBuiltin round-trips the default policy: resolve, print,
// resolve again, and compare on every native syscall with random arguments.
func TestPrintBuiltin(t *testing.T) {
	p, err := Builtin("default")
	if err != nil {
		t.Fatal(err)
	}
	text := Print(p)
	q, err := LoadSource("printed.policy", text, LoadOptions{})
	if err != nil {
		t.Fatalf("printed default policy does not load: %v\n%s", err, text)
	}
	g := newGen(1)
	for _, sc := range syscalls.Table(syscalls.Native) {
		for range 50 {
			d := bpf.SeccompData{Nr: int32(sc.Nr), Arch: syscalls.Native.AuditArch()}
			for i := range d.Args {
				d.Args[i] = g.value()
			}
			if a, b := p.Decide(d).Action, q.Decide(d).Action; a != b {
				t.Fatalf("%s%v: default policy %s, printed %s\n%s", sc.Name, d.Args, a, b, text)
			}
		}
	}
}

// TestPrintReadable pins the text Print gives for typical rules: argument
// names, constants, flags, `in`, width overrides, merged syscall lists.
func TestPrintReadable(t *testing.T) {
	k := func(n string) uint64 {
		v, ok := syscalls.Constant(n)
		if !ok {
			t.Fatalf("no constant %s", n)
		}
		return v
	}
	ro := k("O_RDONLY") | k("O_CLOEXEC") | k("O_NONBLOCK")
	p := &seccomp.Policy{
		Default: seccomp.Errno(1),
		Unknown: &[]seccomp.Action{seccomp.Errno(38)}[0],
		Rules: []seccomp.Rule{
			{Syscall: "write", Action: seccomp.Allow},
			{Syscall: "read", Action: seccomp.Allow},
			{Syscall: "openat", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 2, Op: seccomp.OpMaskedEq, Mask: uint64(^uint32(ro)), Width32: true}},
			{Syscall: "openat", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: uint64(uint32(k("AT_FDCWD"))), Width32: true}},
			{Syscall: "socket", Action: seccomp.Allow, When: seccomp.Or{
				seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: k("AF_UNIX"), Width32: true},
				seccomp.And{seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: k("AF_INET"), Width32: true},
					seccomp.Not{X: seccomp.Cmp{Arg: 1, Op: seccomp.OpMaskedEq, Mask: k("SOCK_RAW"), Value: k("SOCK_RAW"), Width32: true}}}}},
			{Syscall: "clone", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpMaskedEq, Mask: k("CLONE_NEWUSER") | k("CLONE_NEWNS")}},
			{Syscall: "ioctl", Action: seccomp.Errno(1), When: seccomp.Cmp{Arg: 1, Op: seccomp.OpEq, Value: k("TIOCSTI")}},
			{Syscall: "close", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpLt, Value: 3, Width32: true, Signed: true}},
			{Syscall: "dup", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpLt, Value: 3, Width32: true, Signed: true}},
			{Syscall: "nonesuch", Action: seccomp.Allow},
		},
	}
	want := `default errno(EPERM)
unknown errno(ENOSYS)
allow read, write
allow clone if flags & CLONE_NEWNS | CLONE_NEWUSER == 0
allow close if fd < 3
allow dup if oldfd < 3
errno(EPERM) ioctl if request:u64 == TIOCSTI
allow openat if dirfd == AT_FDCWD
allow openat if flags in O_NONBLOCK | O_CLOEXEC
allow socket if domain == AF_UNIX || domain == AF_INET && type & SOCK_RAW != SOCK_RAW
# dropped (no such syscall on the admitted ABIs): nonesuch
`
	if got := string(Print(p)); got != want {
		t.Errorf("Print\n--- got\n%s--- want\n%s", got, want)
	}
}
