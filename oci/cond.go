package oci

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// This file is the condition algebra behind Export (and the overlap check of
// Import): an IR condition, as one ABI sees it, becomes a set of argument
// values per argument, then disjunctive normal form, then OCI rules.
//
// libseccomp compares arguments unsigned, 64 bits wide on 64-bit ABIs and
// only the low 32 bits (of both the argument and the rule's values) on
// i386, x32 and arm. An OCI rule holds at most one comparison per argument
// (runc turns a rule with two comparisons of one argument into an OR), so a
// range like 5 <= x < 10 is written as masked-equal blocks, and so is every
// comparison OCI has no operator for (a 32-bit comparison on a 64-bit ABI,
// a signed one, the negation of a masked compare).

// domain is the width libseccomp compares in for an ABI.
type domain uint8

const (
	dom64 domain = iota // x86_64, aarch64, riscv64
	dom32               // i386, x32, arm: low halves only
)

func (d domain) max() uint64 {
	if d == dom32 {
		return 0xffffffff
	}
	return ^uint64(0)
}

// domainOf is how libseccomp compares arguments on ABI a (arch-x32.c, like
// arch-x86.c, is ARCH_SIZE_32: only the low halves are compared).
func domainOf(a syscalls.Arch) domain {
	if a == syscalls.ArchX32 || !a.Is64Bit() {
		return dom32
	}
	return dom64
}

type interval struct{ lo, hi uint64 }

// ivset is a sorted list of disjoint, non-adjacent intervals.
type ivset []interval

func fullSet(max uint64) ivset { return ivset{{0, max}} }

func (s ivset) isFull(max uint64) bool { return len(s) == 1 && s[0].lo == 0 && s[0].hi == max }

func (s ivset) contains(x uint64) bool {
	for _, iv := range s {
		if x >= iv.lo && x <= iv.hi {
			return true
		}
	}
	return false
}

func (s ivset) intersect(t ivset) ivset {
	var out ivset
	i, j := 0, 0
	for i < len(s) && j < len(t) {
		lo, hi := max(s[i].lo, t[j].lo), min(s[i].hi, t[j].hi)
		if lo <= hi {
			out = append(out, interval{lo, hi})
		}
		if s[i].hi < t[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

func (s ivset) complement(max uint64) ivset {
	var out ivset
	next := uint64(0)
	done := false
	for _, iv := range s {
		if iv.lo > next {
			out = append(out, interval{next, iv.lo - 1})
		}
		if iv.hi == max {
			done = true
			break
		}
		next = iv.hi + 1
	}
	if !done {
		out = append(out, interval{next, max})
	}
	return out
}

// cmpSet is the set of x in [0, max] for which "x op v" holds, unsigned.
func cmpSet(op seccomp.Op, v, max uint64) ivset {
	switch op {
	case seccomp.OpEq:
		return ivset{{v, v}}
	case seccomp.OpNe:
		return ivset{{v, v}}.complement(max)
	case seccomp.OpLt:
		if v == 0 {
			return nil
		}
		return ivset{{0, v - 1}}
	case seccomp.OpLe:
		return ivset{{0, v}}
	case seccomp.OpGt:
		if v == max {
			return nil
		}
		return ivset{{v + 1, max}}
	case seccomp.OpGe:
		return ivset{{v, max}}
	}
	return nil
}

// signedSet is cmpSet in two's complement order: the signed order is the
// unsigned order of x with the sign bit flipped.
func signedSet(op seccomp.Op, v, max uint64) ivset {
	sign := max/2 + 1
	flipped := cmpSet(op, v^sign, max)
	var out ivset
	for _, iv := range flipped {
		if iv.lo < sign && iv.hi >= sign {
			out = append(out, interval{iv.lo ^ sign, max}, interval{0, iv.hi ^ sign})
		} else {
			out = append(out, interval{iv.lo ^ sign, iv.hi ^ sign})
		}
	}
	return normalize(out)
}

func normalize(s ivset) ivset {
	sort.Slice(s, func(i, j int) bool { return s[i].lo < s[j].lo })
	var out ivset
	for _, iv := range s {
		if n := len(out); n > 0 && (iv.lo <= out[n-1].hi || iv.lo == out[n-1].hi+1) {
			out[n-1].hi = max(out[n-1].hi, iv.hi)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// cube is the set {x : x & mask == val}, val within mask.
type cube struct{ mask, val uint64 }

func (c cube) meet(d cube) (cube, bool) {
	if (c.val^d.val)&c.mask&d.mask != 0 {
		return cube{}, false
	}
	return cube{c.mask | d.mask, c.val | d.val}, true
}

func (c cube) has(x uint64) bool { return x&c.mask == c.val }

// complementCubes is the complement of c as a union of one-bit cubes.
func (c cube) complementCubes() []cube {
	var out []cube
	for m := c.mask; m != 0; m &= m - 1 {
		b := m & -m
		out = append(out, cube{b, ^c.val & b})
	}
	return out
}

// rangeCubes splits [lo, hi] into aligned power-of-two blocks, each a cube
// whose mask is limited to keep (0xffffffff for the low half of a 64-bit
// argument).
func rangeCubes(lo, hi, keep uint64) []cube {
	var out []cube
	for {
		size := uint64(1) << 63
		if lo != 0 {
			size = lo & -lo
		}
		for size > 1 && (hi-lo < size-1) {
			size >>= 1
		}
		if size == 1<<63 && lo == 0 && hi == ^uint64(0) {
			return []cube{{0, 0}}
		}
		out = append(out, cube{^(size - 1) & keep, lo & keep})
		if lo+(size-1) >= hi {
			return out
		}
		lo += size
	}
}

func (s ivset) cubes(keep uint64) []cube {
	var out []cube
	for _, iv := range s {
		out = append(out, rangeCubes(iv.lo, iv.hi, keep)...)
	}
	return out
}

// atom is one literal of a condition on one argument.
type atom struct {
	arg  uint8
	kind atomKind
	set  ivset // atomSet, atomLow
	c    cube  // atomCube, atomNotCube
}

type atomKind uint8

const (
	atomSet     atomKind = iota // x in set (the domain's full width)
	atomLow                     // low 32 bits of x in set (64-bit domain only)
	atomCube                    // x & mask == val
	atomNotCube                 // x & mask != val
)

func (a atom) negate(d domain) atom {
	switch a.kind {
	case atomSet:
		a.set = a.set.complement(d.max())
	case atomLow:
		a.set = a.set.complement(0xffffffff)
	case atomCube:
		a.kind = atomNotCube
	case atomNotCube:
		a.kind = atomCube
	}
	return a
}

// lit is an atom or a constant.
type lit struct {
	a     atom
	konst int8 // 0: atom; 1: true; -1: false
}

func constLit(b bool) lit {
	if b {
		return lit{konst: 1}
	}
	return lit{konst: -1}
}

// errInexpressible says why a condition has no OCI form on an ABI.
type errInexpressible struct{ msg string }

func (e *errInexpressible) Error() string { return e.msg }

// litFromCmp is what libseccomp must check on ABI abi so that the outcome
// equals the IR's Cmp there. On i386 and arm the kernel passes 32-bit
// registers, so the IR sees zero-extended arguments; on x32 the arguments are
// 64-bit but libseccomp compares only their low halves.
func litFromCmp(c seccomp.Cmp, abi syscalls.Arch) (lit, error) {
	if c.Arg > 5 {
		return lit{}, &errInexpressible{fmt.Sprintf("argument index %d out of range 0..5", c.Arg)}
	}
	if c.Op < seccomp.OpEq || c.Op > seccomp.OpMaskedEq {
		return lit{}, &errInexpressible{fmt.Sprintf("invalid operator %v", c.Op)}
	}
	const lo32 = 0xffffffff
	d := domainOf(abi)
	zeroExt := !abi.Is64Bit()
	set := func(width uint64) ivset {
		v := c.Value & width
		if c.Signed {
			return signedSet(c.Op, v, width)
		}
		return cmpSet(c.Op, v, width)
	}
	mk := func(kind atomKind, s ivset, width uint64) lit {
		if len(s) == 0 {
			return constLit(false)
		}
		if s.isFull(width) {
			return constLit(true)
		}
		return lit{a: atom{arg: c.Arg, kind: kind, set: s}}
	}
	cubeLit := func(m, v uint64) lit {
		if v&^m != 0 {
			return constLit(false)
		}
		if m == 0 {
			return constLit(true)
		}
		return lit{a: atom{arg: c.Arg, kind: atomCube, c: cube{m, v}}}
	}
	switch {
	case d == dom64 && !c.Width32:
		if c.Op == seccomp.OpMaskedEq {
			return cubeLit(c.Mask, c.Value), nil
		}
		return mk(atomSet, set(^uint64(0)), ^uint64(0)), nil
	case d == dom64 && c.Width32:
		if c.Op == seccomp.OpMaskedEq {
			return cubeLit(c.Mask&lo32, c.Value&lo32), nil
		}
		return mk(atomLow, set(lo32), lo32), nil
	case c.Width32: // dom32
		if c.Op == seccomp.OpMaskedEq {
			return cubeLit(c.Mask&lo32, c.Value&lo32), nil
		}
		return mk(atomSet, set(lo32), lo32), nil
	case zeroExt: // i386, arm: x < 2^32, compared with all 64 bits of Value
		if c.Op == seccomp.OpMaskedEq {
			if c.Value>>32 != 0 {
				return constLit(false), nil
			}
			return cubeLit(c.Mask&lo32, c.Value), nil
		}
		var s ivset
		if c.Signed {
			s = signedSet(c.Op, c.Value, ^uint64(0))
		} else {
			s = cmpSet(c.Op, c.Value, ^uint64(0))
		}
		return mk(atomSet, s.intersect(fullSet(lo32)), lo32), nil
	default: // x32 with a 64-bit comparison: libseccomp cannot see the high half
		if c.Op == seccomp.OpMaskedEq {
			if c.Mask>>32 == 0 {
				return cubeLit(c.Mask, c.Value), nil
			}
		} else {
			var s ivset
			if c.Signed {
				s = signedSet(c.Op, c.Value, ^uint64(0))
			} else {
				s = cmpSet(c.Op, c.Value, ^uint64(0))
			}
			if len(s) == 0 {
				return constLit(false), nil
			}
			if s.isFull(^uint64(0)) {
				return constLit(true), nil
			}
		}
		return lit{}, &errInexpressible{fmt.Sprintf("%s compares all 64 bits of the argument, but on x32 libseccomp compares only the low 32 bits (make it a 32-bit comparison, or do not admit x32)", c)}
	}
}

// conj is a conjunction of atoms, kept simplified: per argument, at most
// one atomSet, one atomLow, one atomCube, then atomNotCubes, sorted by arg.
type conj []atom

// dnf is a disjunction of conjunctions: nil is false, {{}} is true.
type dnf []conj

// Limits keep pathological conditions from exploding; past them Export
// fails with an error instead of writing a huge profile.
const (
	maxConjs    = 4096
	maxArgAlts  = 256
	maxOCIRules = 4096
)

var errTooComplex = &errInexpressible{"the condition is too complex to write as OCI rules (more than 4096 alternatives)"}

// toDNF converts an IR condition (negated when neg) for ABI abi.
func toDNF(e seccomp.Expr, neg bool, abi syscalls.Arch) (dnf, error) {
	d := domainOf(abi)
	switch x := e.(type) {
	case nil, seccomp.True:
		if neg {
			return nil, nil
		}
		return dnf{conj{}}, nil
	case *seccomp.True:
		return toDNF(seccomp.True{}, neg, abi)
	case seccomp.Cmp:
		l, err := litFromCmp(x, abi)
		if err != nil {
			return nil, err
		}
		if l.konst != 0 {
			return toDNF(nil, (l.konst > 0) == neg, abi)
		}
		a := l.a
		if neg {
			a = a.negate(d)
		}
		return simplifyAll(dnf{conj{a}}, d), nil
	case *seccomp.Cmp:
		return toDNF(*x, neg, abi)
	case seccomp.Not:
		return toDNF(x.X, !neg, abi)
	case *seccomp.Not:
		return toDNF(x.X, !neg, abi)
	case seccomp.And:
		return combine([]seccomp.Expr(x), !neg, neg, abi)
	case seccomp.Or:
		return combine([]seccomp.Expr(x), neg, neg, abi)
	}
	return nil, &errInexpressible{fmt.Sprintf("unsupported condition type %T", e)}
}

// combine builds the product (product=true, an AND) or the union of the
// members' forms.
func combine(xs []seccomp.Expr, product, neg bool, abi syscalls.Arch) (dnf, error) {
	d := domainOf(abi)
	var acc dnf
	if product {
		acc = dnf{conj{}}
	}
	for _, x := range xs {
		f, err := toDNF(x, neg, abi)
		if err != nil {
			return nil, err
		}
		if product {
			acc, err = and(acc, f, d)
		} else {
			acc, err = or(acc, f, d)
		}
		if err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func or(a, b dnf, d domain) (dnf, error) {
	out := simplifyAll(append(append(dnf{}, a...), b...), d)
	if len(out) > maxConjs {
		return nil, errTooComplex
	}
	return out, nil
}

func and(a, b dnf, d domain) (dnf, error) {
	if len(a)*len(b) > maxConjs*4 {
		return nil, errTooComplex
	}
	var out dnf
	for _, x := range a {
		for _, y := range b {
			out = append(out, append(append(conj{}, x...), y...))
		}
	}
	out = simplifyAll(out, d)
	if len(out) > maxConjs {
		return nil, errTooComplex
	}
	return out, nil
}

// not is the complement of a DNF, as a DNF.
func not(a dnf, d domain) (dnf, error) {
	acc := dnf{conj{}}
	for _, c := range a {
		var neg dnf
		for _, at := range c {
			neg = append(neg, conj{at.negate(d)})
		}
		var err error
		if acc, err = and(acc, neg, d); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

// simplifyAll simplifies each conjunction, drops the false ones, and
// removes duplicates; a true conjunction makes the whole DNF true.
func simplifyAll(f dnf, d domain) dnf {
	type keyed struct {
		key string
		c   conj
	}
	seen := map[string]bool{}
	var out []keyed
	for _, c := range f {
		s, ok := simplify(c, d)
		if !ok {
			continue
		}
		if len(s) == 0 {
			return dnf{conj{}}
		}
		k := s.key()
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, keyed{k, s})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	res := make(dnf, len(out))
	for i, k := range out {
		res[i] = k.c
	}
	return res
}

// argConstraint is everything a conjunction says about one argument.
type argConstraint struct {
	set, low ivset // nil: unconstrained
	cube     *cube
	notCubes []cube
}

// simplify canonicalizes a conjunction; ok is false when it can never hold.
func simplify(c conj, d domain) (conj, bool) {
	byArg := map[uint8]*argConstraint{}
	for _, a := range c {
		ac := byArg[a.arg]
		if ac == nil {
			ac = &argConstraint{}
			byArg[a.arg] = ac
		}
		switch a.kind {
		case atomSet:
			if ac.set == nil {
				ac.set = a.set
			} else {
				ac.set = ac.set.intersect(a.set)
			}
			if len(ac.set) == 0 {
				return nil, false
			}
		case atomLow:
			if ac.low == nil {
				ac.low = a.set
			} else {
				ac.low = ac.low.intersect(a.set)
			}
			if len(ac.low) == 0 {
				return nil, false
			}
		case atomCube:
			if ac.cube == nil {
				cc := a.c
				ac.cube = &cc
			} else {
				m, ok := ac.cube.meet(a.c)
				if !ok {
					return nil, false
				}
				ac.cube = &m
			}
		case atomNotCube:
			ac.notCubes = append(ac.notCubes, a.c)
		}
	}
	var out conj
	args := make([]int, 0, len(byArg))
	for a := range byArg {
		args = append(args, int(a))
	}
	sort.Ints(args)
	for _, ai := range args {
		arg := uint8(ai)
		ac := byArg[arg]
		if !ac.reduce(d) {
			return nil, false
		}
		if ac.set != nil {
			out = append(out, atom{arg: arg, kind: atomSet, set: ac.set})
		}
		if ac.low != nil {
			out = append(out, atom{arg: arg, kind: atomLow, set: ac.low})
		}
		if ac.cube != nil {
			out = append(out, atom{arg: arg, kind: atomCube, c: *ac.cube})
		}
		sort.Slice(ac.notCubes, func(i, j int) bool {
			return ac.notCubes[i].mask < ac.notCubes[j].mask || ac.notCubes[i].mask == ac.notCubes[j].mask && ac.notCubes[i].val < ac.notCubes[j].val
		})
		for i, nc := range ac.notCubes {
			if i > 0 && nc == ac.notCubes[i-1] {
				continue
			}
			out = append(out, atom{arg: arg, kind: atomNotCube, c: nc})
		}
	}
	return out, true
}

// reduce folds what can be folded; false when the constraint is empty.
func (ac *argConstraint) reduce(d domain) bool {
	max := d.max()
	if ac.set != nil && ac.set.isFull(max) {
		ac.set = nil
	}
	if ac.low != nil && ac.low.isFull(0xffffffff) {
		ac.low = nil
	}
	if ac.cube != nil && ac.cube.mask&max == max {
		// A cube with every bit fixed is a point.
		p := ivset{{ac.cube.val, ac.cube.val}}
		if ac.set != nil {
			p = ac.set.intersect(p)
		}
		if len(p) == 0 {
			return false
		}
		ac.set, ac.cube = p, nil
	}
	// Drop not-cubes the cube decides.
	kept := ac.notCubes[:0]
	for _, nc := range ac.notCubes {
		if nc.mask == 0 {
			return false // x & 0 != 0 never holds
		}
		if ac.cube != nil && nc.mask&^ac.cube.mask == 0 {
			if ac.cube.val&nc.mask == nc.val {
				return false
			}
			continue
		}
		kept = append(kept, nc)
	}
	ac.notCubes = kept
	// A single point decides everything else.
	if len(ac.set) == 1 && ac.set[0].lo == ac.set[0].hi {
		p := ac.set[0].lo
		if ac.low != nil && !ac.low.contains(p&0xffffffff) {
			return false
		}
		if ac.cube != nil && !ac.cube.has(p) {
			return false
		}
		for _, nc := range ac.notCubes {
			if nc.has(p) {
				return false
			}
		}
		ac.low, ac.cube, ac.notCubes = nil, nil, nil
	}
	return true
}

func (c conj) key() string {
	b := make([]byte, 0, 32*len(c))
	for _, a := range c {
		b = append(b, '0'+a.arg, '/', '0'+byte(a.kind))
		switch a.kind {
		case atomSet, atomLow:
			for _, iv := range a.set {
				b = append(b, '[')
				b = strconv.AppendUint(b, iv.lo, 16)
				b = append(b, ',')
				b = strconv.AppendUint(b, iv.hi, 16)
				b = append(b, ']')
			}
		default:
			b = append(b, '{')
			b = strconv.AppendUint(b, a.c.mask, 16)
			b = append(b, ',')
			b = strconv.AppendUint(b, a.c.val, 16)
			b = append(b, '}')
		}
		b = append(b, ';')
	}
	return string(b)
}

// ociAlternatives writes one argument's constraint as OCI comparisons whose
// OR is exactly the constraint.
func ociAlternatives(arg uint8, atoms []atom, d domain) ([]specs.LinuxSeccompArg, error) {
	max := d.max()
	var set, low ivset
	var cb *cube
	var notCubes []cube
	for _, a := range atoms {
		switch a.kind {
		case atomSet:
			set = a.set
		case atomLow:
			low = a.set
		case atomCube:
			c := a.c
			cb = &c
		case atomNotCube:
			notCubes = append(notCubes, a.c)
		}
	}
	idx := uint(arg)
	cmp := func(op specs.LinuxSeccompOperator, v uint64) specs.LinuxSeccompArg {
		return specs.LinuxSeccompArg{Index: idx, Value: v, Op: op}
	}
	masked := func(c cube) specs.LinuxSeccompArg {
		if c.mask&max == max {
			return cmp(specs.OpEqualTo, c.val)
		}
		return specs.LinuxSeccompArg{Index: idx, Value: c.mask, ValueTwo: c.val, Op: specs.OpMaskedEqual}
	}
	// The simple forms: one interval set, or one cube.
	if low == nil && cb == nil && len(notCubes) == 0 && set != nil {
		if len(set) == 2 && set[0].lo == 0 && set[1].hi == max && set[0].hi+2 == set[1].lo {
			return []specs.LinuxSeccompArg{cmp(specs.OpNotEqual, set[0].hi+1)}, nil
		}
		var out []specs.LinuxSeccompArg
		for _, iv := range set {
			switch {
			case iv.lo == iv.hi:
				out = append(out, cmp(specs.OpEqualTo, iv.lo))
			// LT and GT as Docker writes them, except x <= 0xffffffff:
			// libseccomp cuts values to 32 bits on i386, x32 and arm, and
			// LT 2^32 would become LT 0 there.
			case iv.lo == 0 && iv.hi+1 == 1<<32:
				out = append(out, cmp(specs.OpLessEqual, iv.hi))
			case iv.lo == 0:
				out = append(out, cmp(specs.OpLessThan, iv.hi+1))
			case iv.hi == max:
				out = append(out, cmp(specs.OpGreaterThan, iv.lo-1))
			default:
				for _, c := range rangeCubes(iv.lo, iv.hi, max) {
					out = append(out, masked(c))
				}
			}
			if len(out) > maxArgAlts {
				return nil, errTooComplex
			}
		}
		return out, nil
	}
	if set == nil && low == nil && cb != nil && len(notCubes) == 0 {
		return []specs.LinuxSeccompArg{masked(*cb)}, nil
	}
	// The general case: a union of cubes.
	alts := []cube{{0, 0}}
	meetAll := func(with []cube) error {
		var next []cube
		seen := map[cube]bool{}
		for _, a := range alts {
			for _, w := range with {
				if m, ok := a.meet(w); ok && !seen[m] {
					seen[m] = true
					next = append(next, m)
				}
			}
		}
		if len(next) > maxArgAlts {
			return errTooComplex
		}
		alts = next
		return nil
	}
	if set != nil {
		if err := meetAll(set.cubes(max)); err != nil {
			return nil, err
		}
	}
	if low != nil {
		if err := meetAll(low.cubes(0xffffffff)); err != nil {
			return nil, err
		}
	}
	if cb != nil {
		if err := meetAll([]cube{*cb}); err != nil {
			return nil, err
		}
	}
	for _, nc := range notCubes {
		if err := meetAll(nc.complementCubes()); err != nil {
			return nil, err
		}
	}
	sort.Slice(alts, func(i, j int) bool {
		return alts[i].mask < alts[j].mask || alts[i].mask == alts[j].mask && alts[i].val < alts[j].val
	})
	out := make([]specs.LinuxSeccompArg, 0, len(alts))
	for _, c := range alts {
		if c.mask == 0 {
			return nil, nil // unconstrained after all
		}
		out = append(out, masked(c))
	}
	return out, nil
}

// ociRules writes one conjunction as OCI argument lists, each with at most
// one comparison per argument; their OR is the conjunction.
func ociRules(c conj, d domain) ([][]specs.LinuxSeccompArg, error) {
	rules := [][]specs.LinuxSeccompArg{nil}
	for i := 0; i < len(c); {
		j := i
		for j < len(c) && c[j].arg == c[i].arg {
			j++
		}
		alts, err := ociAlternatives(c[i].arg, c[i:j], d)
		if err != nil {
			return nil, err
		}
		i = j
		if alts == nil {
			continue
		}
		if len(rules)*len(alts) > maxOCIRules {
			return nil, errTooComplex
		}
		var next [][]specs.LinuxSeccompArg
		for _, r := range rules {
			for _, a := range alts {
				next = append(next, append(append([]specs.LinuxSeccompArg(nil), r...), a))
			}
		}
		rules = next
	}
	return rules, nil
}

// argsKey identifies an OCI argument list.
func argsKey(args []specs.LinuxSeccompArg) string {
	var b strings.Builder
	for _, a := range args {
		b.WriteString(strconv.FormatUint(uint64(a.Index), 10))
		b.WriteByte(' ')
		b.WriteString(string(a.Op))
		fmt.Fprintf(&b, " %#x %#x;", a.Value, a.ValueTwo)
	}
	return b.String()
}

// ociToConj reads an OCI argument list as libseccomp evaluates it in domain
// d: every comparison AND'ed (the caller handles runc's OR for repeated
// indices), the rule's values cut to the low halves in the 32-bit domain,
// and the datum of a masked compare masked (libseccomp's mask fixup).
func ociToConj(args []specs.LinuxSeccompArg, d domain) (conj, bool) {
	max := d.max()
	var c conj
	for _, a := range args {
		op, ok := opFromOCI[a.Op]
		if !ok || a.Index > 5 {
			return nil, false
		}
		arg := uint8(a.Index)
		if op == seccomp.OpMaskedEq {
			m := a.Value & max
			c = append(c, atom{arg: arg, kind: atomCube, c: cube{m, a.ValueTwo & m}})
			continue
		}
		c = append(c, atom{arg: arg, kind: atomSet, set: cmpSet(op, a.Value&max, max)})
	}
	return simplify(c, d)
}
