// Package verify compares seccomp decisions: two policies with each other
// (`ringfence diff`), or the filters installed in a process with a policy
// (`ringfence verify`). Both sides are functions from seccomp_data to an
// action, evaluated on the same set of points: every syscall number of every
// ABI either side admits or that a native process can reach (plus numbers
// past the end of the tables and x32-bit numbers), and, for each syscall,
// the argument values the policies name (each value, its neighbours, zero
// and all-ones, in both 32-bit halves), one argument at a time and all of a
// rule's values at once.
//
// This is exhaustive over syscall numbers and ABIs and targeted over
// arguments: argument values no policy names cannot change a decision of a
// policy made of comparisons with named values, except through ranges, whose
// ends are covered.
package verify

import (
	"fmt"
	"sort"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Decider gives the action for one seccomp_data.
type Decider func(bpf.SeccompData) seccomp.Action

// PolicyDecider decides with a policy's reference semantics.
func PolicyDecider(p *seccomp.Policy) Decider {
	return func(d bpf.SeccompData) seccomp.Action { return p.Decide(d).Action }
}

// FiltersDecider decides as the kernel does with several filters installed:
// every filter runs and the strictest action wins; among equal actions the
// most recently installed filter's data is used (filters[0] is the newest,
// the order PTRACE_SECCOMP_GET_FILTER numbers them in).
func FiltersDecider(filters [][]bpf.Instruction) Decider {
	return func(d bpf.SeccompData) seccomp.Action {
		var best uint32
		for i, f := range filters {
			ret, err := bpf.Run(f, d)
			if err != nil {
				return seccomp.KillProcess
			}
			if i == 0 || int32(ret&seccomp.RetActionFull) < int32(best&seccomp.RetActionFull) {
				best = ret
			}
		}
		if len(filters) == 0 {
			return seccomp.Allow
		}
		return seccomp.ActionFromRet(best)
	}
}

// Difference is one point where two deciders disagree.
type Difference struct {
	ABI     syscalls.Arch
	Syscall string
	Data    bpf.SeccompData
	A, B    seccomp.Action
}

func (d Difference) String() string {
	name := d.Syscall
	if name == "" {
		name = fmt.Sprintf("#%d", d.Data.Nr)
	}
	return fmt.Sprintf("%s:%s(%#x, %#x, %#x, %#x, %#x, %#x): %s vs %s", abiName(d.ABI, d.Data.Arch), name,
		d.Data.Args[0], d.Data.Args[1], d.Data.Args[2], d.Data.Args[3], d.Data.Args[4], d.Data.Args[5], d.A, d.B)
}

func abiName(a syscalls.Arch, audit uint32) string {
	if a == syscalls.ArchInvalid {
		return fmt.Sprintf("arch(%#x)", audit)
	}
	return a.String()
}

// Result of a comparison.
type Result struct {
	Points      int          // seccomp_data values compared
	Differences []Difference // in point order; at most Limit
	Total       int          // all differences found
}

// Compare evaluates both deciders on the points and collects up to limit
// differences (0: all).
func Compare(a, b Decider, points []Point, limit int) Result {
	r := Result{Points: len(points)}
	for _, pt := range points {
		x, y := a(pt.Data), b(pt.Data)
		if x == y {
			continue
		}
		r.Total++
		if limit == 0 || len(r.Differences) < limit {
			r.Differences = append(r.Differences, Difference{ABI: pt.ABI, Syscall: pt.Syscall, Data: pt.Data, A: x, B: y})
		}
	}
	return r
}

// Point is one seccomp_data to compare on.
type Point struct {
	ABI     syscalls.Arch // ArchInvalid for an arch no table knows
	Syscall string
	Data    bpf.SeccompData
}

// Points builds the comparison set for policies (any of which may be nil).
func Points(policies ...*seccomp.Policy) []Point {
	abis := map[syscalls.Arch]bool{syscalls.Native: true}
	for _, c := range syscalls.Native.CompanionArches() {
		abis[c] = true
	}
	values := map[string]*argValues{}
	for _, p := range policies {
		if p == nil {
			continue
		}
		for _, a := range p.AdmittedArches() {
			abis[a] = true
		}
		for _, r := range p.Rules {
			av := values[r.Syscall]
			if av == nil {
				av = &argValues{}
				values[r.Syscall] = av
			}
			av.add(r.When)
		}
	}
	var pts []Point
	for _, a := range sortedABIs(abis) {
		pts = append(pts, abiPoints(a, values)...)
	}
	// An architecture no table knows: every policy must refuse it.
	pts = append(pts, Point{Data: bpf.SeccompData{Arch: 0x12345678}})
	return pts
}

func sortedABIs(m map[syscalls.Arch]bool) []syscalls.Arch {
	var out []syscalls.Arch
	for a := range m {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func abiPoints(a syscalls.Arch, values map[string]*argValues) []Point {
	var pts []Point
	base := 0
	if a == syscalls.ArchX32 {
		base = syscalls.X32SyscallBit
	}
	max := syscalls.MaxNumber(a)
	for nr := base; nr <= max+16; nr++ {
		name, _ := syscalls.Name(a, nr)
		d := bpf.SeccompData{Nr: int32(nr), Arch: a.AuditArch()}
		pts = append(pts, Point{ABI: a, Syscall: name, Data: d})
		if av := values[name]; av != nil && name != "" {
			for _, args := range av.combos() {
				d.Args = args
				pts = append(pts, Point{ABI: a, Syscall: name, Data: d})
			}
		}
	}
	if a == syscalls.ArchX86_64 {
		// x32 numbers under the x86_64 audit arch, and a negative number.
		for _, nr := range []int64{syscalls.X32SyscallBit, syscalls.X32SyscallBit + 1, -1} {
			pts = append(pts, Point{ABI: a, Data: bpf.SeccompData{Nr: int32(nr), Arch: a.AuditArch()}})
		}
	}
	return pts
}

// argValues collects, for one syscall, the interesting values of each
// argument and the value sets of whole rules.
type argValues struct {
	perArg [6]map[uint64]bool
	rules  [][6]uint64
}

func (av *argValues) add(e seccomp.Expr) {
	var rule [6]uint64
	seccomp.EachCmp(e, func(c seccomp.Cmp) {
		for _, v := range neighbours(c) {
			if av.perArg[c.Arg] == nil {
				av.perArg[c.Arg] = map[uint64]bool{}
			}
			av.perArg[c.Arg][v] = true
		}
		rule[c.Arg] = c.Value
	})
	if e != nil {
		av.rules = append(av.rules, rule)
	}
}

// combos: each value of each argument alone, and each rule's values at once.
func (av *argValues) combos() [][6]uint64 {
	var out [][6]uint64
	for i, set := range av.perArg {
		vals := make([]uint64, 0, len(set))
		for v := range set {
			vals = append(vals, v)
		}
		sort.Slice(vals, func(a, b int) bool { return vals[a] < vals[b] })
		for _, v := range vals {
			var args [6]uint64
			args[i] = v
			out = append(out, args)
		}
	}
	return append(out, av.rules...)
}

func neighbours(c seccomp.Cmp) []uint64 {
	v := c.Value
	out := []uint64{v, v + 1, v - 1, 0, ^uint64(0), v | 0xffffffff00000000, uint64(uint32(v)), v << 32}
	if c.Op == seccomp.OpMaskedEq {
		out = append(out, c.Mask, c.Mask|v, v&^c.Mask, ^c.Mask)
	}
	return out
}
