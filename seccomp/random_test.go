package seccomp

import (
	"math"
	"math/rand/v2"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// Random policies and seccomp_data for the differential tests.

// boundary values in both 32-bit halves.
var interesting = []uint64{
	0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
	0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff,
	0x100000000, 0x100000001, 0x1ffffffff, 0x7fffffff00000000, 0x7fffffffffffffff,
	0x8000000000000000, 0x8000000000000001, 0x80000000ffffffff, 0xffffffff00000000,
	0xffffffff7fffffff, 0xffffffff80000000, 0xfffffffffffffffe, math.MaxUint64,
}

type gen struct {
	r      *rand.Rand
	consts []uint64 // values the policy compares with, to aim the data at
	names  []string
}

func newGen(seed1, seed2 uint64) *gen {
	return &gen{r: rand.New(rand.NewPCG(seed1, seed2))}
}

func (g *gen) value() uint64 {
	switch g.r.IntN(5) {
	case 0:
		return g.r.Uint64()
	case 1:
		return uint64(g.r.Uint32())
	case 2:
		// mix halves of boundary values
		hi := interesting[g.r.IntN(len(interesting))]
		lo := interesting[g.r.IntN(len(interesting))]
		return hi<<32 | lo&math.MaxUint32
	}
	return interesting[g.r.IntN(len(interesting))]
}

func (g *gen) action() Action {
	switch g.r.IntN(9) {
	case 0:
		return KillProcess
	case 1:
		return KillThread
	case 2:
		return Trap
	case 3, 4:
		return Errno(uint16(g.r.IntN(4)))
	case 5:
		return Notify
	case 6:
		return Trace(uint16(g.r.IntN(3)))
	case 7:
		return Log
	}
	return Allow
}

func (g *gen) expr(depth int) Expr {
	n := g.r.IntN(10)
	if depth <= 0 {
		n = 0
	}
	switch n {
	case 6:
		return And(g.members(depth - 1))
	case 7:
		return Or(g.members(depth - 1))
	case 8:
		return Not{g.expr(depth - 1)}
	case 9:
		return True{}
	}
	c := Cmp{
		Arg:     uint8(g.r.IntN(6)),
		Op:      Op(1 + g.r.IntN(int(OpMaskedEq))),
		Value:   g.value(),
		Width32: g.r.IntN(3) == 0,
		Signed:  g.r.IntN(2) == 0,
	}
	if c.Op == OpMaskedEq {
		c.Mask = g.value()
		if g.r.IntN(2) == 0 {
			c.Value &= c.Mask // most masked tests can match
		}
	}
	// a few arguments share their constants so checks meet each other
	if len(g.consts) > 0 && g.r.IntN(3) == 0 {
		c.Value = g.consts[g.r.IntN(len(g.consts))]
	}
	g.consts = append(g.consts, c.Value, c.Mask)
	return c
}

func (g *gen) members(depth int) []Expr {
	var out []Expr
	for range g.r.IntN(4) {
		out = append(out, g.expr(depth))
	}
	return out
}

func (g *gen) arches() []syscalls.Arch {
	if g.r.IntN(4) == 0 {
		return nil // native only
	}
	perm := g.r.Perm(len(syscalls.Arches))
	n := 1 + g.r.IntN(len(perm))
	var out []syscalls.Arch
	for _, i := range perm[:n] {
		out = append(out, syscalls.Arches[i])
	}
	return out
}

func (g *gen) policy() *Policy {
	p := &Policy{Default: g.action(), Arches: g.arches()}
	if g.r.IntN(2) == 0 {
		p.BadArch = g.action()
	}
	if g.r.IntN(2) == 0 {
		a := g.action()
		p.Unknown = &a
	}
	// a small pool of names from the admitted ABIs, so rules meet
	var pool []string
	for _, a := range p.AdmittedArches() {
		t := syscalls.Table(a)
		for range 3 {
			pool = append(pool, t[g.r.IntN(len(t))].Name)
		}
	}
	pool = append(pool, "read", "socket", "nonexistent_syscall")
	g.names = pool
	nrules := g.r.IntN(25)
	if g.r.IntN(8) == 0 {
		nrules = g.r.IntN(150) // long programs: far jumps, trampolines, RET copies
	}
	for range nrules {
		r := Rule{Syscall: pool[g.r.IntN(len(pool))], Action: g.action()}
		if g.r.IntN(4) == 0 {
			r.Arches = g.arches()
		}
		if g.r.IntN(4) != 0 {
			r.When = g.expr(3)
		}
		p.Rules = append(p.Rules, r)
	}
	return p
}

var auditArches = []uint32{
	syscalls.AuditArchX86_64, syscalls.AuditArchI386, syscalls.AuditArchAArch64,
	syscalls.AuditArchARM, syscalls.AuditArchRISCV64, 0, 0x40000001, 0xc000003f, 0xffffffff,
}

func (g *gen) data(p *Policy) bpf.SeccompData {
	var d bpf.SeccompData
	if g.r.IntN(8) == 0 {
		d.Arch = auditArches[g.r.IntN(len(auditArches))]
	} else {
		adm := p.AdmittedArches()
		d.Arch = adm[g.r.IntN(len(adm))].AuditArch()
	}
	var abi syscalls.Arch
	for _, a := range syscalls.Arches {
		if a.AuditArch() == d.Arch {
			abi = a
		}
	}
	if abi == syscalls.ArchInvalid {
		abi = syscalls.ArchX86_64
	}
	t := syscalls.Table(abi)
	var nr uint32
	switch g.r.IntN(8) {
	case 0:
		nr = g.r.Uint32()
	case 1:
		nr = uint32(t[len(t)-1].Nr) + uint32(g.r.IntN(3))
	case 2:
		nr = uint32(t[0].Nr) - uint32(g.r.IntN(2))
	case 3:
		nr = uint32(interesting[g.r.IntN(len(interesting))])
	case 4:
		nr = uint32(t[g.r.IntN(len(t))].Nr) ^ syscalls.X32SyscallBit
	case 5:
		x := syscalls.Table(syscalls.ArchX32)
		nr = uint32(x[g.r.IntN(len(x))].Nr) | uint32(g.r.IntN(2))<<31
	default:
		name := g.names[g.r.IntN(len(g.names))]
		if n, ok := syscalls.Number(abi, name); ok {
			nr = uint32(n)
		} else {
			nr = uint32(t[g.r.IntN(len(t))].Nr)
		}
	}
	d.Nr = int32(nr)
	d.InstructionPointer = g.r.Uint64()
	for i := range d.Args {
		switch {
		case len(g.consts) > 0 && g.r.IntN(2) == 0:
			v := g.consts[g.r.IntN(len(g.consts))]
			switch g.r.IntN(6) {
			case 0:
				v++
			case 1:
				v--
			case 2:
				v ^= 1 << 31
			case 3:
				v = v&math.MaxUint32 | g.value()<<32
			case 4:
				v = v&^math.MaxUint32 | uint64(uint32(g.value()))
			}
			d.Args[i] = v
		default:
			d.Args[i] = g.value()
		}
	}
	return d
}
