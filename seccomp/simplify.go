package seccomp

import (
	"fmt"
	"math"
	"slices"
)

// exprPasses are the rewrites of one condition tree, in order. Each is a pure
// function from a tree to an equivalent tree (Eval gives the same result on
// every argument vector). The order matters:
//
//  1. foldComparisons first, so comparisons that always or never hold become
//     True and False, which the boolean pass then removes;
//  2. simplifyBoolean flattens nested And/Or, drops True from And and False
//     from Or, short-circuits And with False and Or with True, unwraps
//     single-member And/Or and double negation;
//  3. dedupeMembers after flattening, when duplicates sit side by side in one
//     list (duplicate rules of one action become duplicates here once their
//     conditions are joined with Or);
//  4. splitHighWord: a subtree that compares one argument (64-bit) only
//     with constants below 2^32 tests the high word once and the rest on
//     the low word; it needs the flat, deduplicated tree to see the whole
//     subtree;
//  5. factorHighWord: the equalities splitHighWord could not take (high
//     words other than 0) that share a high word get one high-word test;
//  6. simplifyBoolean again, to flatten what 4 and 5 built.
var exprPasses = []struct {
	name string
	fn   func(Expr) Expr
}{
	{"fold-comparisons", foldComparisons},
	{"simplify-boolean", simplifyBoolean},
	{"dedupe-members", dedupeMembers},
	{"split-high-word", splitHighWord},
	{"factor-high-word", factorHighWord},
	{"simplify-boolean", simplifyBoolean},
}

func optimizeExpr(x Expr) Expr {
	for _, p := range exprPasses {
		x = p.fn(x)
	}
	return x
}

// False never holds: the empty Or.
var False = Or{}

func isTrue(x Expr) bool {
	switch v := x.(type) {
	case True:
		return true
	case And:
		return len(v) == 0
	}
	return false
}

func isFalse(x Expr) bool {
	v, ok := x.(Or)
	return ok && len(v) == 0
}

// checkExpr rejects trees the code generator cannot lower: nil members,
// unknown Expr implementations, invalid operators or argument indexes.
func checkExpr(x Expr) error {
	switch v := x.(type) {
	case Cmp:
		if v.Arg > 5 {
			return fmt.Errorf("condition %s: argument index %d out of range 0..5", v, v.Arg)
		}
		if v.Op == OpInvalid || v.Op > OpMaskedEq {
			return fmt.Errorf("condition %s: invalid operator %d", v, v.Op)
		}
	case And:
		for _, m := range v {
			if err := checkExpr(m); err != nil {
				return err
			}
		}
	case Or:
		for _, m := range v {
			if err := checkExpr(m); err != nil {
				return err
			}
		}
	case Not:
		if v.X == nil {
			return fmt.Errorf("condition !(nil): Not needs an operand")
		}
		return checkExpr(v.X)
	case True:
	case nil:
		return fmt.Errorf("nil condition inside And/Or (use True{} for an always-true condition)")
	default:
		return fmt.Errorf("condition of type %T: the compiler knows Cmp, And, Or, Not and True", x)
	}
	return nil
}

// cmpConst reports whether c has the same result for every argument value,
// and which.
func cmpConst(c Cmp) (result, constant bool) {
	width := uint64(math.MaxUint64)
	if c.Width32 {
		width = math.MaxUint32
	}
	v := c.Value & width
	if c.Signed && c.Op != OpMaskedEq {
		// Signed order is the unsigned order of value ^ signBit: the
		// smallest operand is then 0 and the largest width, as unsigned.
		v ^= (width >> 1) + 1
	}
	const lo = 0
	hi := width
	switch c.Op {
	case OpMaskedEq:
		m := c.Mask & width
		if c.Value&width&^m != 0 {
			return false, true // a bit outside the mask can never match
		}
		if m == 0 {
			return true, true // 0 == 0
		}
	case OpLt:
		if v == lo {
			return false, true
		}
	case OpGe:
		if v == lo {
			return true, true
		}
	case OpLe:
		if v == hi {
			return true, true
		}
	case OpGt:
		if v == hi {
			return false, true
		}
	}
	return false, false
}

func foldComparisons(x Expr) Expr {
	switch v := x.(type) {
	case Cmp:
		if r, ok := cmpConst(v); ok {
			if r {
				return True{}
			}
			return False
		}
		return v
	case And:
		return And(mapMembers(v, foldComparisons))
	case Or:
		return Or(mapMembers(v, foldComparisons))
	case Not:
		return Not{foldComparisons(v.X)}
	}
	return x
}

func mapMembers(xs []Expr, fn func(Expr) Expr) []Expr {
	out := make([]Expr, len(xs))
	for i, m := range xs {
		out[i] = fn(m)
	}
	return out
}

func simplifyBoolean(x Expr) Expr {
	switch v := x.(type) {
	case And:
		var out And
		for _, m := range v {
			m = simplifyBoolean(m)
			switch {
			case isTrue(m):
				continue
			case isFalse(m):
				return False
			}
			if inner, ok := m.(And); ok {
				out = append(out, inner...)
			} else {
				out = append(out, m)
			}
		}
		if len(out) == 0 {
			return True{}
		}
		if len(out) == 1 {
			return out[0]
		}
		return out
	case Or:
		var out Or
		for _, m := range v {
			m = simplifyBoolean(m)
			switch {
			case isFalse(m):
				continue
			case isTrue(m):
				return True{}
			}
			if inner, ok := m.(Or); ok {
				out = append(out, inner...)
			} else {
				out = append(out, m)
			}
		}
		if len(out) == 1 {
			return out[0]
		}
		if out == nil {
			return False
		}
		return out
	case Not:
		inner := simplifyBoolean(v.X)
		switch {
		case isTrue(inner):
			return False
		case isFalse(inner):
			return True{}
		}
		if n, ok := inner.(Not); ok {
			return n.X
		}
		return Not{inner}
	}
	return x
}

// exprKey is a canonical text of a tree: equal keys mean equal trees.
func exprKey(x Expr) string { return fmt.Sprintf("%#v", x) }

func dedupeMembers(x Expr) Expr {
	uniq := func(xs []Expr) []Expr {
		seen := map[string]bool{}
		var out []Expr
		for _, m := range xs {
			m = dedupeMembers(m)
			k := exprKey(m)
			if !seen[k] {
				seen[k] = true
				out = append(out, m)
			}
		}
		return out
	}
	switch v := x.(type) {
	case And:
		return And(uniq(v))
	case Or:
		return Or(uniq(v))
	case Not:
		return Not{dedupeMembers(v.X)}
	}
	return x
}

// factorHighWord rewrites, inside an Or, the 64-bit equalities on one
// argument that share the high 32 bits:
//
//	a == h<<32|l1 || a == h<<32|l2   ->   (a & 0xffffffff00000000 == h<<32) && (a32 == l1 || a32 == l2)
//
// so the high word is loaded and tested once instead of once per value.
func factorHighWord(x Expr) Expr {
	switch v := x.(type) {
	case And:
		return And(mapMembers(v, factorHighWord))
	case Not:
		return Not{factorHighWord(v.X)}
	case Or:
		members := mapMembers(v, factorHighWord)
		type key struct {
			arg uint8
			hi  uint64
		}
		groups := map[key][]int{}
		for i, m := range members {
			c, ok := m.(Cmp)
			if !ok || c.Op != OpEq || c.Width32 {
				continue
			}
			k := key{c.Arg, c.Value &^ math.MaxUint32}
			groups[k] = append(groups[k], i)
		}
		var out Or
		done := map[int]bool{}
		for i, m := range members {
			if done[i] {
				continue
			}
			c, ok := m.(Cmp)
			if !ok || c.Op != OpEq || c.Width32 {
				out = append(out, m)
				continue
			}
			idx := groups[key{c.Arg, c.Value &^ math.MaxUint32}]
			if len(idx) < 2 {
				out = append(out, m)
				continue
			}
			var lows Or
			for _, j := range idx {
				done[j] = true
				cj := members[j].(Cmp)
				lows = append(lows, Cmp{Arg: cj.Arg, Op: OpEq, Value: cj.Value & math.MaxUint32, Width32: true})
			}
			high := Cmp{Arg: c.Arg, Op: OpMaskedEq, Mask: math.MaxUint64 &^ math.MaxUint32, Value: c.Value &^ math.MaxUint32}
			out = append(out, And{high, lows})
		}
		return out
	}
	return x
}

// group is one action of a syscall's decision procedure with the condition
// under which it applies.
type group struct {
	when   Expr
	action Action
}

// ruleSet is how one syscall of one ABI is decided: the first group (in
// order) whose condition holds gives its action, else fallback.
type ruleSet struct {
	groups   []group
	fallback Action
}

// setPasses rewrite a syscall's rule set, in order:
//
//  1. mergeEqualActions joins the conditions of rules with one action into an
//     Or (so duplicate rules become duplicate Or members, which the
//     expression passes then remove), and then optimizes each condition;
//  2. sortStrictestFirst puts the groups in the order Decide's "strictest
//     matching action wins" needs for a first-match evaluation (it runs even
//     without optimization: correctness depends on it);
//  3. dropNever removes groups whose condition is False;
//  4. unconditionalToFallback turns the strictest always-true group into the
//     fallback and drops every less strict group after it (they can never
//     decide);
//  5. dropTrailingFallback removes groups at the end whose action equals the
//     fallback: whether they match or not, the result is the same;
//  6. complementToFallback turns the second of two groups into the fallback
//     when its condition is the first's negation (the policy language's
//     `else`): the condition is then tested once, not twice. It runs last
//     so that the fallback it replaces is one no group can reach.
var setPasses = []struct {
	name string
	fn   func(ruleSet) ruleSet
}{
	{"merge-equal-actions", mergeEqualActions},
	{"sort-strictest-first", sortStrictestFirst},
	{"drop-never", dropNever},
	{"unconditional-to-fallback", unconditionalToFallback},
	{"drop-trailing-fallback", dropTrailingFallback},
	{"complement-to-fallback", complementToFallback},
}

func optimizeSet(s ruleSet) ruleSet {
	for _, p := range setPasses {
		s = p.fn(s)
	}
	return s
}

func mergeEqualActions(s ruleSet) ruleSet {
	var out []group
	index := map[Action]int{}
	for _, g := range s.groups {
		if i, ok := index[g.action]; ok {
			out[i].when = Or{out[i].when, g.when}
			continue
		}
		index[g.action] = len(out)
		out = append(out, g)
	}
	for i := range out {
		out[i].when = optimizeExpr(out[i].when)
	}
	return ruleSet{groups: out, fallback: s.fallback}
}

func sortStrictestFirst(s ruleSet) ruleSet {
	g := slices.Clone(s.groups)
	slices.SortStableFunc(g, func(a, b group) int {
		switch {
		case a.action.Stricter(b.action):
			return -1
		case b.action.Stricter(a.action):
			return 1
		}
		return 0
	})
	return ruleSet{groups: g, fallback: s.fallback}
}

func dropNever(s ruleSet) ruleSet {
	var out []group
	for _, g := range s.groups {
		if !isFalse(g.when) {
			out = append(out, g)
		}
	}
	return ruleSet{groups: out, fallback: s.fallback}
}

func unconditionalToFallback(s ruleSet) ruleSet {
	for i, g := range s.groups {
		if isTrue(g.when) {
			return ruleSet{groups: slices.Clone(s.groups[:i]), fallback: g.action}
		}
	}
	return s
}

func dropTrailingFallback(s ruleSet) ruleSet {
	g := s.groups
	for len(g) > 0 && g[len(g)-1].action == s.fallback {
		g = g[:len(g)-1]
	}
	return ruleSet{groups: g, fallback: s.fallback}
}

func complementToFallback(s ruleSet) ruleSet {
	if len(s.groups) != 2 {
		return s
	}
	first, second := s.groups[0], s.groups[1]
	if exprKey(optimizeExpr(Not{X: first.when})) != exprKey(second.when) &&
		exprKey(first.when) != exprKey(optimizeExpr(Not{X: second.when})) {
		return s
	}
	// Whenever the first group does not match, the second does.
	return ruleSet{groups: []group{first}, fallback: second.action}
}

// highZero is "the high word of argument arg is 0".
func highZero(arg uint8) Cmp {
	return Cmp{Arg: arg, Op: OpMaskedEq, Mask: math.MaxUint64 &^ math.MaxUint32}
}

// lowOnly reports whether every comparison in x is a 64-bit unsigned (or
// equality) test of one argument against a constant below 2^32, and how
// many there are.
func lowOnly(x Expr, arg *int) (n int, ok bool) {
	switch v := x.(type) {
	case Cmp:
		ordered := v.Op != OpEq && v.Op != OpNe
		if v.Width32 || v.Op == OpMaskedEq || (v.Signed && ordered) || v.Value > math.MaxUint32 ||
			(*arg >= 0 && *arg != int(v.Arg)) {
			return 0, false
		}
		*arg = int(v.Arg)
		return 1, true
	case And:
		return lowOnlyAll(v, arg)
	case Or:
		return lowOnlyAll(v, arg)
	case Not:
		return lowOnly(v.X, arg)
	}
	return 0, true // True
}

func lowOnlyAll(xs []Expr, arg *int) (int, bool) {
	total := 0
	for _, m := range xs {
		n, ok := lowOnly(m, arg)
		if !ok {
			return 0, false
		}
		total += n
	}
	return total, true
}

// mapCmps rebuilds x with every comparison replaced by fn(c).
func mapCmps(x Expr, fn func(Cmp) Expr) Expr {
	switch v := x.(type) {
	case Cmp:
		return fn(v)
	case And:
		return And(mapMembers(v, func(m Expr) Expr { return mapCmps(m, fn) }))
	case Or:
		return Or(mapMembers(v, func(m Expr) Expr { return mapCmps(m, fn) }))
	case Not:
		return Not{mapCmps(v.X, fn)}
	}
	return x
}

// splitHighWord rewrites a subtree whose comparisons all test one 64-bit
// argument against constants below 2^32 (unsigned order or equality):
//
//	x  ->  (hi == 0 && x[on the low word]) || (hi != 0 && x[hi != 0])
//
// where with a non-zero high word every comparison is decided (the argument
// is at least 2^32, above every constant), so the second half folds to true
// or false and one high-word test is left.
func splitHighWord(x Expr) Expr {
	switch v := x.(type) {
	case And, Or, Not:
		arg := -1
		if n, ok := lowOnly(x, &arg); ok && n >= 2 {
			low := mapCmps(x, func(c Cmp) Expr { c.Width32, c.Signed = true, false; return c })
			high := simplifyBoolean(mapCmps(x, func(c Cmp) Expr {
				switch c.Op {
				case OpNe, OpGt, OpGe:
					return True{}
				}
				return False
			}))
			hz := highZero(uint8(arg))
			if isTrue(high) {
				return Or{Not{hz}, low}
			}
			return And{hz, low}
		}
		switch v := v.(type) {
		case And:
			return And(mapMembers(v, splitHighWord))
		case Or:
			return Or(mapMembers(v, splitHighWord))
		case Not:
			return Not{splitHighWord(v.X)}
		}
	}
	return x
}
