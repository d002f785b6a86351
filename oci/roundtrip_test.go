package oci

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func samples(short, long int) int {
	if os.Getenv("RINGFENCE_LONG") != "" {
		return long
	}
	if testing.Short() {
		return short / 10
	}
	return short
}

// profileValues collects every value and valueTwo a profile names.
func profileValues(t testing.TB, data []byte) []uint64 {
	prof, _, err := Parse(data, "")
	if err != nil {
		t.Fatal(err)
	}
	var vals []uint64
	for _, s := range prof.Syscalls {
		for _, a := range s.Args {
			vals = append(vals, a.Value, a.ValueTwo)
		}
	}
	return vals
}

func TestRoundTripDocker(t *testing.T) {
	data := readDocker(t)
	pool := valuePool(profileValues(t, data))
	for _, arch := range []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchAArch64} {
		for _, caps := range [][]string{nil, {"CAP_SYS_ADMIN", "CAP_SYS_PTRACE"}} {
			t.Run(fmt.Sprintf("%v/%v", arch, caps), func(t *testing.T) {
				opts := ImportOptions{Arch: arch, Caps: caps, KernelVersion: "6.1"}
				p1 := mustImport(t, data, opts)
				out, warns, err := Export(p1, ExportOptions{})
				if err != nil {
					t.Fatalf("Export: %v", err)
				}
				for _, w := range warns {
					t.Errorf("unexpected export warning: %v", w)
				}
				p2, warns, err := Import(out, opts)
				if err != nil {
					t.Fatalf("re-Import: %v\n%s", err, out)
				}
				for _, w := range warns {
					t.Errorf("unexpected warning importing the export: %v", w)
				}
				n := samples(200000, 5000000)
				if bad := disagreements(t, p1, p2, n, pool, 1); bad != 0 {
					t.Errorf("%d of %d seccomp_data decided differently after Import -> Export -> Import", bad, n)
				}
				// Every syscall of every admitted ABI with the profile's values.
				for _, abi := range p1.AdmittedArches() {
					for _, sc := range syscalls.Table(abi) {
						for _, v := range pool {
							d := call(t, abi, sc.Name, v, v, v)
							if a, b := p1.Decide(d).Action, p2.Decide(d).Action; a != b {
								t.Fatalf("%v %s(%#x): %v before, %v after the round trip", abi, sc.Name, v, a, b)
							}
						}
					}
				}
				again, _, err := Export(p2, ExportOptions{})
				if err != nil || !bytes.Equal(again, out) {
					t.Errorf("exporting the re-imported policy gives different bytes (err %v)", err)
				}
			})
		}
	}
}

// genPolicy draws a random IR policy over a few syscalls every ABI has,
// with conditions built from every operator, width and sign.
type gen struct {
	rng  *rand.Rand
	vals []uint64
}

var genNames = []string{"read", "write", "openat", "socket", "ioctl", "mmap", "personality", "kill", "prctl", "fcntl"}

var genActions = []seccomp.Action{
	seccomp.Allow, seccomp.KillProcess, seccomp.KillThread, seccomp.Trap, seccomp.Log,
	seccomp.Errno(1), seccomp.Errno(13), seccomp.Trace(7), seccomp.Notify,
}

func (g *gen) value() uint64 {
	if g.rng.IntN(5) == 0 {
		return g.rng.Uint64()
	}
	return g.vals[g.rng.IntN(len(g.vals))]
}

func (g *gen) cmp() seccomp.Cmp {
	c := seccomp.Cmp{
		Arg:     uint8(g.rng.IntN(3)),
		Op:      seccomp.Op(1 + g.rng.IntN(7)),
		Value:   g.value(),
		Width32: g.rng.IntN(3) == 0,
	}
	if c.Op == seccomp.OpMaskedEq {
		c.Mask = g.value()
		if g.rng.IntN(2) == 0 {
			c.Value &= c.Mask
		}
	} else if c.Op != seccomp.OpEq && c.Op != seccomp.OpNe {
		c.Signed = g.rng.IntN(4) == 0
	}
	return c
}

func (g *gen) expr(depth int) seccomp.Expr {
	if depth == 0 || g.rng.IntN(3) == 0 {
		return g.cmp()
	}
	switch g.rng.IntN(4) {
	case 0:
		return seccomp.Not{X: g.expr(depth - 1)}
	case 1:
		return seccomp.Or{g.expr(depth - 1), g.expr(depth - 1)}
	default:
		return seccomp.And{g.expr(depth - 1), g.expr(depth - 1)}
	}
}

func (g *gen) policy(native syscalls.Arch, companions bool) *seccomp.Policy {
	p := &seccomp.Policy{
		Default: genActions[g.rng.IntN(len(genActions)-1)], // not notify
		Arches:  []syscalls.Arch{native},
		BadArch: seccomp.KillThread,
	}
	if companions {
		p.Arches = append(p.Arches, native.CompanionArches()...)
	}
	for range 1 + g.rng.IntN(8) {
		r := seccomp.Rule{
			Syscall: genNames[g.rng.IntN(len(genNames))],
			Action:  genActions[g.rng.IntN(len(genActions))],
			Source:  fmt.Sprintf("gen:%d", len(p.Rules)),
		}
		if g.rng.IntN(4) != 0 {
			r.When = g.expr(2)
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

func TestRoundTripRandomPolicies(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 42))
	vals := []uint64{0, 1, 2, 5, 0x7f, 0x80000000, 0xffffffff, 1 << 32, 0x1_0000_0005, 1 << 63, ^uint64(0), ^uint64(4)}
	g := &gen{rng: rng, vals: vals}
	pool := valuePool(vals)
	policies := samples(800, 20000)
	perPolicy := 2000
	exported, inexpressible := 0, 0
	for i := range policies {
		native := []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchAArch64, syscalls.ArchRISCV64}[i%3]
		p := g.policy(native, i%2 == 1)
		out, _, err := Export(p, ExportOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("policy %d: empty export error", i)
			}
			inexpressible++
			continue
		}
		exported++
		q, _, err := Import(out, ImportOptions{Arch: native})
		if err != nil {
			t.Fatalf("policy %d: importing its export: %v\n%s", i, err, out)
		}
		if bad := disagreements(t, p, q, perPolicy, pool, uint64(i)); bad != 0 {
			t.Fatalf("policy %d: %d of %d seccomp_data decided differently after Export -> Import\nrules: %s\nexport:\n%s", i, bad, perPolicy, rulesString(p), out)
		}
	}
	t.Logf("%d random policies exported and re-imported with identical decisions, %d refused as inexpressible", exported, inexpressible)
	if exported < policies/2 {
		t.Errorf("only %d of %d random policies could be exported", exported, policies)
	}
}

func rulesString(p *seccomp.Policy) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "default %v arches %v\n", p.Default, p.Arches)
	for _, r := range p.Rules {
		fmt.Fprintf(&b, "  %s %v when %s -> %v\n", r.Syscall, r.Arches, exprString(r.When), r.Action)
	}
	return b.String()
}
