package policy

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Resolve turns parsed files (a root and the files it includes, as LoadFiles
// returns them) into one policy. The files form one namespace: a define is
// visible everywhere, and the order of statements never changes the result.
func Resolve(files ...*File) (*seccomp.Policy, error) {
	r := &resolver{errs: &errorSink{}, defines: map[string]*define{}, pol: &seccomp.Policy{}}
	for _, f := range files {
		if f.src != nil {
			r.errs.addSource(f.Name, f.src)
		}
	}
	if len(files) == 0 {
		return nil, ErrorList{{Msg: "no policy files"}}
	}
	r.run(files)
	if err := r.errs.list.Err(); err != nil {
		return nil, err
	}
	return r.pol, nil
}

// define is one `define NAME = ...` and what it turned out to be.
type define struct {
	stmt      *DefineStmt
	kind      defKind
	resolving bool
	members   []member                 // defSet
	value     uint64                   // defConst: the x86_64 value
	perABI    map[syscalls.Arch]uint64 // defConst on other ABIs, whose constants may differ
}

type defKind uint8

const (
	defUnknown defKind = iota
	defSet
	defConst
	defCond
	defBad
)

var defKindNames = map[defKind]string{defSet: "a set of syscalls", defConst: "a constant", defCond: "a condition"}

// member is a syscall a rule names, with where it was named.
type member struct {
	name    string
	at      Pos
	inGroup bool // from a group: absent on these ABIs is fine
}

type resolver struct {
	errs    *errorSink
	defines map[string]*define
	pol     *seccomp.Policy

	admitted []syscalls.Arch
	seen     map[string]ruleSeen // conflict detection: syscall|abi|condition
	elses    map[string]Pos      // syscall|abi -> first rule with an else
}

type ruleSeen struct {
	action seccomp.Action
	source string
}

func (r *resolver) run(files []*File) {
	var defaults, badArch, unknown, arch []Stmt
	for _, f := range files {
		for _, s := range f.Stmts {
			switch s := s.(type) {
			case *DefaultStmt:
				defaults = append(defaults, s)
			case *BadArchStmt:
				badArch = append(badArch, s)
			case *UnknownStmt:
				unknown = append(unknown, s)
			case *ArchStmt:
				arch = append(arch, s)
			case *HotStmt:
				r.hot(s)
			case *DefineStmt:
				if old, ok := r.defines[s.Name.Name]; ok {
					r.errs.errorf(s.Name.At, "%s is already defined at %s", s.Name.Name, old.stmt.Name.At)
					continue
				}
				r.defines[s.Name.Name] = &define{stmt: s}
			case *IncludeStmt:
				r.checkIncluded(f, s, files)
			}
		}
	}
	r.once(defaults, "default action")
	r.once(badArch, "bad-arch action")
	r.once(unknown, "unknown action")
	r.once(arch, "arch statement")
	if len(defaults) == 0 {
		r.errs.add(&Error{Pos: Pos{File: files[0].Name, Line: 1, Col: 1}, Msg: "the policy has no default action",
			Expected: "one line such as `default errno(EPERM)` (in this file or one it includes)"})
	} else {
		r.pol.Default = r.action(defaults[0].(*DefaultStmt).Action)
	}
	if len(badArch) > 0 {
		r.pol.BadArch = r.action(badArch[0].(*BadArchStmt).Action)
	}
	if len(unknown) > 0 {
		a := r.action(unknown[0].(*UnknownStmt).Action)
		r.pol.Unknown = &a
	}
	if len(arch) > 0 {
		r.pol.Arches = r.arches(arch[0].(*ArchStmt).Arches)
	}
	r.admitted = r.pol.AdmittedArches()
	r.seen = map[string]ruleSeen{}
	r.elses = map[string]Pos{}
	// Classify every define (also unused ones, so their errors show).
	names := make([]string, 0, len(r.defines))
	for n := range r.defines {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r.classify(r.defines[n])
	}
	for _, f := range files {
		for _, s := range f.Stmts {
			if rs, ok := s.(*RuleStmt); ok {
				r.rule(rs)
			}
		}
	}
}

// once reports every statement after the first of a kind that may appear once.
func (r *resolver) once(stmts []Stmt, what string) {
	for _, s := range stmts[min(1, len(stmts)):] {
		r.errs.add(&Error{Pos: s.Pos(), Msg: fmt.Sprintf("second %s (the first is at %s)", what, stmts[0].Pos()),
			Expected: "one " + what + " in the policy and the files it includes"})
	}
}

func (r *resolver) checkIncluded(f *File, s *IncludeStmt, files []*File) {
	target := includeTarget(f.Name, s.Path)
	for _, g := range files {
		if g.Name == target {
			return
		}
	}
	r.errs.errorf(s.At, "included file %q was not loaded (use Load or LoadFiles)", target)
}

var archCanonical = func() []string {
	var out []string
	for _, a := range syscalls.Arches {
		out = append(out, a.String())
	}
	return out
}()

func (r *resolver) arches(names []*Name) []syscalls.Arch {
	var out []syscalls.Arch
	for _, n := range names {
		a, err := syscalls.ParseArch(n.Name)
		if err != nil {
			r.errs.add(&Error{Pos: n.At, Msg: fmt.Sprintf("unknown architecture %q", n.Name),
				Expected: strings.Join(archCanonical, ", "), Suggest: suggest(n.Name, archCanonical)})
			continue
		}
		if slices.Contains(out, a) {
			r.errs.errorf(n.At, "architecture %s is listed twice", a)
			continue
		}
		out = append(out, a)
	}
	return out
}

// action resolves an action; errno takes 0..4095 (names or numbers), trace 0..65535.
func (r *resolver) action(a *Action) seccomp.Action {
	switch a.Name {
	case "allow":
		return seccomp.Allow
	case "log":
		return seccomp.Log
	case "notify":
		return seccomp.Notify
	case "trap":
		return seccomp.Trap
	case "kill-process":
		return seccomp.KillProcess
	case "kill-thread":
		return seccomp.KillThread
	case "errno":
		v, ok := r.constExpr(a.Arg, valueCtx{errnoFirst: true})
		if ok && v > seccomp.MaxErrno {
			r.errs.add(&Error{Pos: a.Arg.Pos(), Msg: fmt.Sprintf("errno %s is out of range", signedText(v)),
				Expected: fmt.Sprintf("an errno name such as EPERM or a number 0..%d", seccomp.MaxErrno)})
		}
		return seccomp.Errno(uint16(v))
	case "trace":
		v, ok := r.constExpr(a.Arg, valueCtx{})
		if ok && v > math.MaxUint16 {
			r.errs.add(&Error{Pos: a.Arg.Pos(), Msg: fmt.Sprintf("trace value %s is out of range", signedText(v)),
				Expected: "a number 0..65535"})
		}
		return seccomp.Trace(uint16(v))
	}
	r.errs.errorf(a.At, "unknown action %q", a.Name)
	return seccomp.KillProcess
}

func signedText(v uint64) string {
	if int64(v) < 0 {
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatUint(v, 10)
}

// classify decides what a define is, resolving sets and constants.
func (r *resolver) classify(d *define) defKind {
	if d.kind != defUnknown {
		return d.kind
	}
	if d.resolving {
		r.errs.errorf(d.stmt.Name.At, "%s is defined in terms of itself", d.stmt.Name.Name)
		d.kind = defBad
		return defBad
	}
	d.resolving = true
	defer func() { d.resolving = false }()
	kind := r.shape(d.stmt.Value)
	switch kind {
	case defSet:
		d.members = r.setMembers(d.stmt.Value)
	case defConst:
		v, ok := r.constExpr(d.stmt.Value, valueCtx{})
		if !ok {
			kind = defBad
		}
		d.value = v
	}
	d.kind = kind
	return kind
}

// shape tells a set, a constant and a condition apart by their syntax, and
// by what a lone name refers to.
func (r *resolver) shape(e Expr) defKind {
	switch e := e.(type) {
	case *List, *GroupRef:
		return defSet
	case *Paren:
		return r.shape(e.X)
	case *Number:
		return defConst
	case *Unary:
		if e.Op == OpNot {
			return defCond
		}
		return defConst
	case *Binary:
		if e.Op == OpBitAnd && !r.constOnly(e) {
			return defCond // `flags & O_CLOEXEC`: a bit test on an argument
		}
		if e.Op == OpBitOr || e.Op == OpBitAnd {
			return defConst
		}
		return defCond
	case *Ident:
		if d, ok := r.defines[e.Name]; ok {
			return r.classify(d)
		}
		if syscalls.Known(e.Name) {
			return defSet
		}
		if _, ok := syscalls.Constant(e.Name); ok {
			return defConst
		}
		if _, ok := syscalls.ErrnoValue(e.Name); ok {
			return defConst
		}
		r.errs.add(&Error{Pos: e.At, Msg: fmt.Sprintf("unknown name %q", e.Name),
			Expected: "a syscall, a group, a constant, a condition or another define",
			Suggest:  suggest(e.Name, r.allNames())})
		return defBad
	}
	return defBad
}

// constOnly reports whether every name in e is a constant, an errno or a
// constant define (and not, say, an argument name).
func (r *resolver) constOnly(e Expr) bool {
	switch e := e.(type) {
	case *Number:
		return true
	case *Paren:
		return r.constOnly(e.X)
	case *Unary:
		return e.Op != OpNot && r.constOnly(e.X)
	case *Binary:
		return (e.Op == OpBitOr || e.Op == OpBitAnd) && r.constOnly(e.X) && r.constOnly(e.Y)
	case *Ident:
		if d, ok := r.defines[e.Name]; ok {
			return r.classify(d) == defConst
		}
		_, c := syscalls.Constant(e.Name)
		_, n := syscalls.ErrnoValue(e.Name)
		return c || n
	}
	return false
}

// staticNames are the syscall, constant and errno names, for suggestions.
var staticNames = sync.OnceValue(func() []string {
	return append(syscalls.AllNames(), staticValueNames()...)
})

// staticValueNames are the constant and errno names.
var staticValueNames = sync.OnceValue(func() []string {
	return append(syscalls.ConstantNames(), syscalls.ErrnoNames()...)
})

func (r *resolver) allNames() []string {
	out := slices.Clone(staticNames())
	for n := range r.defines {
		out = append(out, n)
	}
	return out
}

// setMembers expands the items of a syscall set (names are checked where
// the set is used, against the ABIs of that rule).
func (r *resolver) setMembers(e Expr) []member {
	var out []member
	var items []Expr
	if l, ok := e.(*List); ok {
		items = l.Items
	} else {
		items = []Expr{e}
	}
	for _, it := range items {
		switch it := it.(type) {
		case *GroupRef:
			out = append(out, r.group(it)...)
		case *Ident:
			if d, ok := r.defines[it.Name]; ok {
				switch r.classify(d) {
				case defSet:
					out = append(out, d.members...)
				case defBad:
				default:
					r.errs.errorf(it.At, "%s is %s, not a set of syscalls (defined at %s)", it.Name, defKindNames[d.kind], d.stmt.Name.At)
				}
				continue
			}
			out = append(out, member{name: it.Name, at: it.At})
		default:
			r.errs.add(&Error{Pos: it.Pos(), Msg: "a set lists syscalls, groups and sets separated by commas",
				Expected: "a syscall name, @group or set name"})
		}
	}
	// Each name once: sets built from each other twice over stay small.
	seen := map[string]bool{}
	uniq := out[:0]
	for _, m := range out {
		if !seen[m.name] {
			seen[m.name] = true
			uniq = append(uniq, m)
		}
	}
	return uniq
}

func (r *resolver) group(g *GroupRef) []member {
	names, ok := syscalls.Group(g.Name)
	if !ok {
		r.errs.add(&Error{Pos: g.At, Msg: fmt.Sprintf("unknown group %q", g.Name),
			Expected: "a group such as @basic-io (syscalls/groups.txt lists them)", Suggest: suggest(g.Name, syscalls.GroupNames())})
		return nil
	}
	out := make([]member, len(names))
	for i, n := range names {
		out[i] = member{name: n, at: g.At, inGroup: true}
	}
	return out
}

// rule lowers one rule statement into IR rules, one per syscall (and per
// group of ABIs when constants differ between ABIs).
func (r *resolver) rule(s *RuleStmt) {
	if r.errs.full() {
		return
	}
	action := r.action(s.Action)
	var elseAction seccomp.Action
	if s.Else != nil {
		elseAction = r.action(s.Else)
	}
	var guard []syscalls.Arch
	if s.Arches != nil {
		guard = r.arches(s.Arches)
		if len(guard) == 0 {
			return
		}
	}
	// The ABIs the rule can apply to. A guard naming only ABIs the policy
	// does not admit makes a dead rule (lint reports it); its names are then
	// checked against the guard's ABIs so typos are still caught.
	abis := r.admitted
	if guard != nil {
		abis = intersect(guard, r.admitted)
		if len(abis) == 0 {
			abis = guard
		}
	}
	var members []member
	for _, t := range s.Targets {
		switch t := t.(type) {
		case *GroupRef:
			members = append(members, r.group(t)...)
		case *Ident:
			if d, ok := r.defines[t.Name]; ok {
				switch r.classify(d) {
				case defSet:
					for _, m := range d.members {
						if !m.inGroup {
							m.at = t.At // an error about a set member points at the rule using it
						}
						members = append(members, m)
					}
				case defBad:
				default:
					r.errs.errorf(t.At, "%s is %s, not a set of syscalls (defined at %s)", t.Name, defKindNames[d.kind], d.stmt.Name.At)
				}
				continue
			}
			members = append(members, member{name: t.Name, at: t.At})
		}
	}
	done := map[string]bool{}
	for _, m := range members {
		if done[m.name] {
			continue
		}
		where := existsOn(m.name, abis)
		if len(where) == 0 {
			if !m.inGroup {
				r.unknownSyscall(m, abis)
			}
			continue
		}
		done[m.name] = true
		live := intersect(where, r.admitted)
		if len(live) == 0 {
			continue // a dead guard: the rule applies nowhere
		}
		// Rules carry the tables' canonical name (Decide and the compiler
		// look numbers up by it): an alias such as arm's sync_file_range2
		// becomes arm_sync_file_range, per ABI.
		for _, cn := range canonicalNames(m.name, live) {
			cm, g := m, guard
			cm.name = cn.name
			if len(cn.abis) != len(live) {
				g = cn.abis
			}
			r.lowerRule(s, cm, cn.abis, g, action, false)
			if s.Else != nil {
				r.lowerRule(s, cm, cn.abis, g, elseAction, true)
			}
		}
	}
}

type canonical struct {
	name string
	abis []syscalls.Arch
}

// canonicalNames groups abis by the canonical name of syscall name there.
func canonicalNames(name string, abis []syscalls.Arch) []canonical {
	var out []canonical
next:
	for _, a := range abis {
		cn := name
		if nr, ok := syscalls.Number(a, name); ok {
			if n, ok := syscalls.Name(a, nr); ok {
				cn = n
			}
		}
		for i := range out {
			if out[i].name == cn {
				out[i].abis = append(out[i].abis, a)
				continue next
			}
		}
		out = append(out, canonical{name: cn, abis: []syscalls.Arch{a}})
	}
	return out
}

func (r *resolver) unknownSyscall(m member, abis []syscalls.Arch) {
	var cands []string
	for _, a := range abis {
		cands = append(cands, syscalls.Names(a)...)
	}
	var on []string
	for _, a := range syscalls.Arches {
		if _, ok := syscalls.Number(a, m.name); ok {
			on = append(on, a.String())
		}
	}
	e := &Error{Pos: m.at, Msg: fmt.Sprintf("unknown syscall %q", m.name), Suggest: suggest(m.name, cands)}
	if len(on) > 0 {
		e.Msg = fmt.Sprintf("syscall %q does not exist on %s (only on %s)", m.name, archList(abis), strings.Join(on, ", "))
		e.Expected = "an `arch` line admitting one of those ABIs, or a guard such as allow[" + on[0] + "]"
		e.Suggest = ""
	}
	r.errs.add(e)
}

func archList(as []syscalls.Arch) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

func existsOn(name string, abis []syscalls.Arch) []syscalls.Arch {
	var out []syscalls.Arch
	for _, a := range abis {
		if _, ok := syscalls.Number(a, name); ok {
			out = append(out, a)
		}
	}
	return out
}

func intersect(a, b []syscalls.Arch) []syscalls.Arch {
	var out []syscalls.Arch
	for _, x := range a {
		if slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// lowerRule lowers the condition of s for syscall m on each ABI in live,
// and emits one IR rule per distinct lowered condition.
func (r *resolver) lowerRule(s *RuleStmt, m member, live, guard []syscalls.Arch, action seccomp.Action, negate bool) {
	type variant struct {
		when  seccomp.Expr
		abis  []syscalls.Arch
		canon string
	}
	var vs []*variant
	for _, abi := range live {
		var when seccomp.Expr
		if s.Cond != nil {
			before := len(r.errs.list)
			c := &condCtx{syscall: m.name, args: syscalls.ArgsFor(abi, m.name), abi: abi}
			when = r.cond(s.Cond, c)
			if len(r.errs.list) != before || when == nil {
				return
			}
			if negate {
				when = seccomp.Not{X: when}
			}
		}
		canon := "true"
		if when != nil {
			canon = when.String()
		}
		found := false
		for _, v := range vs {
			if v.canon == canon {
				v.abis = append(v.abis, abi)
				found = true
			}
		}
		if !found {
			vs = append(vs, &variant{when: when, abis: []syscalls.Arch{abi}, canon: canon})
		}
	}
	source := m.at.String()
	if s.Else != nil {
		for _, abi := range live {
			key := m.name + "|" + abi.String()
			if first, ok := r.elses[key]; ok && first != s.At && !negate {
				r.errs.add(&Error{Pos: s.Else.At, Msg: fmt.Sprintf("%s already has an else at %s; with two, each else would also deny what the other rule allows",
					m.name, first), Expected: "one rule for " + m.name + " whose condition joins the allowed cases with ||"})
				return
			}
			r.elses[key] = s.At
		}
	}
	for _, v := range vs {
		rule := seccomp.Rule{Syscall: m.name, When: v.when, Action: action, Source: source}
		switch {
		case len(vs) > 1:
			rule.Arches = v.abis
		case guard != nil:
			rule.Arches = guard
		}
		if r.conflict(rule, guard, v.abis, v.canon, s) {
			continue
		}
		r.pol.Rules = append(r.pol.Rules, rule)
	}
}

// conflict reports the same syscall, arch guard and condition (on the same
// ABI: constants may differ between ABIs) with two different actions, and
// drops exact duplicates. Rules with different guards never conflict: on an
// ABI both admit, the stricter wins like any other overlap.
func (r *resolver) conflict(rule seccomp.Rule, guard, abis []syscalls.Arch, canon string, s *RuleStmt) bool {
	dup := true
	sorted := slices.Clone(guard)
	slices.Sort(sorted)
	for _, abi := range abis {
		key := rule.Syscall + "|" + archList(sorted) + "|" + abi.String() + "|" + canon
		old, ok := r.seen[key]
		if !ok {
			r.seen[key] = ruleSeen{action: rule.Action, source: rule.Source}
			dup = false
			continue
		}
		if old.action != rule.Action {
			cond := "no condition"
			if canon != "true" {
				cond = "the same condition"
			}
			r.errs.add(&Error{Pos: s.At, Msg: fmt.Sprintf("conflicting actions for %s with %s: %s here, %s at %s",
				rule.Syscall, cond, rule.Action, old.action, old.source),
				Expected: "one action per syscall and condition (remove one rule, or make the conditions differ)"})
			return true
		}
	}
	return dup
}

// hot records the hot list: names must be syscalls of some table.
func (r *resolver) hot(s *HotStmt) {
	for _, n := range s.Names {
		if !syscalls.Known(n.Name) {
			e := &Error{Pos: n.At, Msg: fmt.Sprintf("hot: unknown syscall %q", n.Name), Expected: "a syscall name"}
			e.Suggest = suggest(n.Name, syscalls.AllNames())
			r.errs.add(e)
			continue
		}
		if !slices.Contains(r.pol.Hot, n.Name) {
			r.pol.Hot = append(r.pol.Hot, n.Name)
		}
	}
}
