package policy

import (
	"fmt"
	"math/bits"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Print turns an IR policy back into policy text (for the OCI importer and
// learn mode). It never changes a decision: Resolve(Parse(Print(p))) decides
// every (arch, number, arguments) as p does. To keep that promise it
//
//   - merges syscalls that share an action, arch guard and printed condition
//     into one rule;
//   - names arguments (with a width override such as `flags:u64` where the IR
//     compares differently from the language's default for that argument);
//   - prints a value as a constant of the argument's families only when the
//     constant has that exact value on every ABI the rule applies to
//     (flags are decomposed as A|B), else as a number;
//   - keeps only the strictest of several rules with the same syscall, guard
//     and condition (the one that decides), so the text has no conflicts;
//   - drops rules that can never match (a syscall absent on every ABI the
//     rule applies to), leaving a comment.
func Print(p *seccomp.Policy) []byte {
	admitted := p.AdmittedArches()
	f := &File{Name: "printed"}
	add := func(s Stmt) { f.Stmts = append(f.Stmts, s) }
	add(&DefaultStmt{Action: actionAST(p.Default)})
	if len(p.Arches) > 0 {
		names := make([]*Name, len(p.Arches))
		for i, a := range p.Arches {
			names[i] = &Name{Name: a.String()}
		}
		add(&ArchStmt{Arches: names})
	}
	if p.BadArch.Kind != seccomp.ActInvalid {
		add(&BadArchStmt{Action: actionAST(p.BadArch)})
	}
	if p.Unknown != nil {
		add(&UnknownStmt{Action: actionAST(*p.Unknown)})
	}
	if len(p.Hot) > 0 {
		names := make([]*Name, len(p.Hot))
		for i, h := range p.Hot {
			names[i] = &Name{Name: h}
		}
		add(&HotStmt{Names: names})
	}

	type group struct {
		action  seccomp.Action
		guard   []syscalls.Arch
		cond    Expr
		key     string // guard|condition text
		targets []string
	}
	var dropped []string
	best := map[string]*group{} // syscall|guard|cond -> the strictest rule's group slot
	type one struct {
		syscall string
		action  seccomp.Action
		guard   []syscalls.Arch
		cond    Expr
		key     string
	}
	var ones []*one
	for _, r := range p.Rules {
		abis := admitted
		var guard []syscalls.Arch
		if len(r.Arches) > 0 {
			guard = intersect(admitted, r.Arches)
			abis = guard
		}
		abis = existsOn(r.Syscall, abis)
		if len(abis) == 0 {
			dropped = append(dropped, r.Syscall)
			continue
		}
		if guard != nil && len(guard) == len(admitted) {
			guard = nil
		}
		var cond Expr
		if r.When != nil {
			if _, ok := r.When.(seccomp.True); !ok {
				cond = condAST(r.When, r.Syscall, abis)
			}
		}
		text := ""
		if cond != nil {
			text = formatExpr(cond)
		}
		key := archList(guard) + "|" + text
		if old, ok := best[r.Syscall+"|"+key]; ok {
			if r.Action.Stricter(old.action) {
				old.action = r.Action
			}
			continue
		}
		o := &one{syscall: r.Syscall, action: r.Action, guard: guard, cond: cond, key: key}
		best[r.Syscall+"|"+key] = &group{action: r.Action}
		ones = append(ones, o)
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, o := range ones {
		o.action = best[o.syscall+"|"+o.key].action
		gk := o.action.String() + "|" + o.key
		g, ok := byKey[gk]
		if !ok {
			g = &group{action: o.action, guard: o.guard, cond: o.cond, key: o.key}
			byKey[gk] = g
			groups = append(groups, g)
		}
		if !slices.Contains(g.targets, o.syscall) {
			g.targets = append(g.targets, o.syscall)
		}
	}
	for _, g := range groups {
		sort.Strings(g.targets)
	}
	// Unconditional rules first, most permissive action first; then the
	// conditional ones by syscall.
	sort.SliceStable(groups, func(i, j int) bool {
		gi, gj := groups[i], groups[j]
		if (gi.cond == nil) != (gj.cond == nil) {
			return gi.cond == nil
		}
		if gi.cond == nil && gi.action != gj.action {
			return gj.action.Stricter(gi.action)
		}
		if gi.targets[0] != gj.targets[0] {
			return gi.targets[0] < gj.targets[0]
		}
		if gi.key != gj.key {
			return gi.key < gj.key
		}
		return gj.action.Stricter(gi.action)
	})
	for _, g := range groups {
		rs := &RuleStmt{Action: actionAST(g.action), Cond: g.cond}
		for _, a := range g.guard {
			rs.Arches = append(rs.Arches, &Name{Name: a.String()})
		}
		for _, t := range g.targets {
			rs.Targets = append(rs.Targets, &Ident{Name: t})
		}
		add(rs)
	}
	out := Format(f)
	if len(dropped) > 0 {
		slices.Sort(dropped)
		dropped = slices.Compact(dropped)
		out = append(out, []byte(fmt.Sprintf("# dropped (no such syscall on the admitted ABIs): %s\n", strings.Join(dropped, ", ")))...)
	}
	return out
}

func actionAST(a seccomp.Action) *Action {
	switch a.Kind {
	case seccomp.ActErrno:
		if n, ok := syscalls.ErrnoName(a.Data); ok {
			return &Action{Name: "errno", Arg: &Ident{Name: n}}
		}
		return &Action{Name: "errno", Arg: &Number{Text: strconv.Itoa(int(a.Data))}}
	case seccomp.ActTrace:
		return &Action{Name: "trace", Arg: &Number{Text: strconv.Itoa(int(a.Data))}}
	case seccomp.ActInvalid:
		return &Action{Name: "kill-process"}
	}
	return &Action{Name: a.String()}
}

// condAST turns an IR condition into syntax for syscall sc on abis.
func condAST(e seccomp.Expr, sc string, abis []syscalls.Arch) Expr {
	switch e := e.(type) {
	case seccomp.True:
		return alwaysAST(true)
	case seccomp.Cmp:
		return cmpAST(e, sc, abis)
	case seccomp.Not:
		if c, ok := e.X.(seccomp.Cmp); ok {
			if neg, ok := negated[c.Op]; ok {
				c.Op = neg
				return cmpAST(c, sc, abis)
			}
			if c.Op == seccomp.OpMaskedEq {
				if b, ok := cmpAST(c, sc, abis).(*Binary); ok && b.Op == OpEq {
					b.Op = OpNe
					return b
				}
			}
		}
		return &Unary{Op: OpNot, X: &Paren{X: condAST(e.X, sc, abis)}}
	case seccomp.And:
		return joinAST(e, OpAndAnd, sc, abis)
	case seccomp.Or:
		return joinAST(e, OpOrOr, sc, abis)
	}
	return alwaysAST(false)
}

var negated = map[seccomp.Op]seccomp.Op{
	seccomp.OpEq: seccomp.OpNe, seccomp.OpNe: seccomp.OpEq, seccomp.OpLt: seccomp.OpGe,
	seccomp.OpGe: seccomp.OpLt, seccomp.OpLe: seccomp.OpGt, seccomp.OpGt: seccomp.OpLe,
}

// alwaysAST is a condition that always (or never) holds: arg0 & 0 == 0.
func alwaysAST(v bool) Expr {
	op := OpEq
	if !v {
		op = OpNe
	}
	return &Binary{Op: op, X: &Binary{Op: OpBitAnd, X: &Ident{Name: "arg0"}, Y: &Number{Text: "0"}}, Y: &Number{Text: "0"}}
}

func joinAST[T seccomp.And | seccomp.Or](xs T, op Op, sc string, abis []syscalls.Arch) Expr {
	if len(xs) == 0 {
		return alwaysAST(op == OpAndAnd)
	}
	var out Expr
	for _, x := range xs {
		y := condAST(x, sc, abis)
		if b, ok := y.(*Binary); ok && b.Op == OpOrOr && op == OpAndAnd {
			y = &Paren{X: y}
		}
		if out == nil {
			out = y
		} else {
			out = &Binary{Op: op, X: out, Y: y}
		}
	}
	return out
}

var seccompOps = map[seccomp.Op]Op{seccomp.OpEq: OpEq, seccomp.OpNe: OpNe, seccomp.OpLt: OpLt, seccomp.OpLe: OpLe, seccomp.OpGt: OpGt, seccomp.OpGe: OpGe}

func cmpAST(c seccomp.Cmp, sc string, abis []syscalls.Arch) Expr {
	spec, consistent := argSpecOn(sc, int(c.Arg), abis)
	name := fmt.Sprintf("arg%d", c.Arg)
	if spec != nil && spec.Name != "" {
		name = spec.Name
	}
	id := &Ident{Name: name}
	w32, signed := defaultWidth(spec)
	ordered := c.Op >= seccomp.OpLt && c.Op <= seccomp.OpGe
	if !consistent || w32 != c.Width32 || ordered && signed != c.Signed {
		id.Width = map[[2]bool]string{{true, false}: "u32", {true, true}: "s32", {false, false}: "u64", {false, true}: "s64"}[[2]bool{c.Width32, c.Signed && ordered}]
		signed = c.Signed && ordered
	}
	v := trunc(c.Value, c.Width32)
	if c.Op == seccomp.OpMaskedEq {
		m := trunc(c.Mask, c.Width32)
		if v&^m != 0 {
			return alwaysAST(false) // can never hold
		}
		// `in` when the allowed set is the smaller side: `flags in A | B`
		// rather than `flags & ~(A | B) == 0`, but `flags & NS == 0` for a
		// few forbidden bits.
		set := trunc(^m, c.Width32)
		if v == 0 && spec != nil && spec.Flags && bits.OnesCount64(set) <= bits.OnesCount64(m) {
			if x := flagsAST(set, spec, abis, c.Width32); x != nil {
				return &Binary{Op: OpIn, X: id, Y: x}
			}
		}
		mask := valueAST(m, spec, abis, c.Width32, false)
		val := valueAST(v, spec, abis, c.Width32, false)
		if v == 0 {
			val = &Number{Text: "0"}
		}
		return &Binary{Op: OpEq, X: &Binary{Op: OpBitAnd, X: id, Y: mask}, Y: val}
	}
	return &Binary{Op: seccompOps[c.Op], X: id, Y: valueAST(v, spec, abis, c.Width32, signed)}
}

// valueAST prints v as a constant of the argument's families when one has
// exactly that value on every ABI, as flags A|B for a bit-set argument, else
// as a number (negative for a signed argument's negative values).
func valueAST(v uint64, spec *syscalls.ArgSpec, abis []syscalls.Arch, w32, signed bool) Expr {
	if spec != nil && len(spec.Consts) > 0 {
		if n := exactConst(v, spec, abis, w32); n != "" {
			return &Ident{Name: n}
		}
		if spec.Flags {
			if x := flagsAST(v, spec, abis, w32); x != nil {
				return x
			}
		}
	}
	return numberAST(v, w32, signed)
}

func numberAST(v uint64, w32, signed bool) Expr {
	switch {
	case signed && w32 && int32(uint32(v)) < 0:
		return &Unary{Op: OpNeg, X: &Number{Text: strconv.FormatInt(-int64(int32(uint32(v))), 10)}}
	case signed && !w32 && int64(v) < 0 && v != 1<<63:
		return &Unary{Op: OpNeg, X: &Number{Text: strconv.FormatInt(-int64(v), 10)}}
	case v < 4096:
		return &Number{Text: strconv.FormatUint(v, 10)}
	}
	return &Number{Text: "0x" + strconv.FormatUint(v, 16)}
}

// familyConsts lists the argument's constants that have the same value on
// every ABI, with that value, in the order of the spec's prefixes (the first
// family is the argument's main one: CLONE_ before SIG for clone's flags).
func familyConsts(spec *syscalls.ArgSpec, abis []syscalls.Arch, w32 bool) []namedValue {
	key := fmt.Sprint(spec.Consts, abis, w32)
	if v, ok := familyCache.Load(key); ok {
		return v.([]namedValue)
	}
	var out []namedValue
	seen := map[string]bool{}
	for _, prefix := range spec.Consts {
		var fam []namedValue
		for _, n := range syscalls.ConstantsWithPrefix(prefix) {
			if seen[n] {
				continue
			}
			seen[n] = true
			if v, ok := constOn(n, abis); ok {
				fam = append(fam, namedValue{n, trunc(v, w32), nameRank(n)})
			}
		}
		sort.SliceStable(fam, func(i, j int) bool { return fam[i].rank < fam[j].rank })
		out = append(out, fam...)
	}
	familyCache.Store(key, out)
	return out
}

// familyCache holds familyConsts results: the tables never change.
var familyCache sync.Map

// preferredNames are the usual spellings of values that have several names.
var preferredNames = map[string]bool{"AF_UNIX": true, "O_NONBLOCK": true, "O_SYNC": true, "O_RDONLY": true}

// nameRank orders the names of one family so that the usual name of a value
// comes first: preferred spellings, then not a mask or a limit, then short.
func nameRank(n string) int {
	r := len(n)
	if !preferredNames[n] {
		r += 1000
	}
	for _, w := range []string{"MASK", "_MIN", "_MAX", "_ALL", "_SIZE"} {
		if strings.Contains(n, w) {
			r += 100
		}
	}
	return r
}

type namedValue struct {
	name  string
	value uint64
	rank  int
}

func constOn(name string, abis []syscalls.Arch) (uint64, bool) {
	var v uint64
	for i, a := range abis {
		x, ok := syscalls.ConstantFor(a, name)
		if !ok || i > 0 && x != v {
			return 0, false
		}
		v = x
	}
	return v, len(abis) > 0
}

func exactConst(v uint64, spec *syscalls.ArgSpec, abis []syscalls.Arch, w32 bool) string {
	for _, c := range familyConsts(spec, abis, w32) {
		// Zero is a meaningful name only in the argument's main family
		// (O_RDONLY, PER_LINUX), not in a secondary one (SIG_BLOCK for clone).
		if c.value == v && (v != 0 || strings.HasPrefix(c.name, spec.Consts[0])) {
			return c.name
		}
	}
	return ""
}

// flagsAST decomposes v into single-bit constants of the argument's
// families, or returns nil when some bit has no constant (a number is then
// clearer than a half-symbolic value).
func flagsAST(v uint64, spec *syscalls.ArgSpec, abis []syscalls.Arch, w32 bool) Expr {
	var parts []namedValue
	rem := v
	for _, c := range familyConsts(spec, abis, w32) {
		if bits.OnesCount64(c.value) == 1 && c.value&rem != 0 {
			parts = append(parts, c)
			rem &^= c.value
		}
	}
	if len(parts) == 0 || rem != 0 {
		return nil
	}
	sort.Slice(parts, func(i, j int) bool { return parts[i].value < parts[j].value })
	var out Expr
	for _, p := range parts {
		if out == nil {
			out = &Ident{Name: p.name}
		} else {
			out = &Binary{Op: OpBitOr, X: out, Y: &Ident{Name: p.name}}
		}
	}
	return out
}

// argSpecOn is argument i of sc when every ABI in abis agrees on it (clone's
// last two arguments swap between ABIs). consistent is false when they
// differ: then the printer names the argument argN with an explicit width.
func argSpecOn(sc string, i int, abis []syscalls.Arch) (spec *syscalls.ArgSpec, consistent bool) {
	for k, a := range abis {
		args := syscalls.ArgsFor(a, sc)
		var s *syscalls.ArgSpec
		if i < len(args) {
			s = &args[i]
		}
		if k == 0 {
			spec = s
			continue
		}
		if (s == nil) != (spec == nil) || s != nil && (s.Name != spec.Name || s.Kind != spec.Kind) {
			return nil, false
		}
	}
	return spec, true
}
