package imports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Kafel imports a Kafel policy (nsjail's --seccomp_string / --seccomp_policy
// language). name is used in positions and to resolve #include.
func Kafel(name string, src []byte) (*seccomp.Policy, []Warning, error) {
	k := &kafel{src: sources{}, defines: map[string]uint64{}, policies: map[string][]kafelRule{}}
	p, err := k.run(name, src)
	if err != nil {
		return nil, k.warns, err
	}
	return p, k.warns, nil
}

type kTok struct {
	kind byte // 'i' ident, 'n' number, 's' string, 'p' punctuation (text), 'e' end
	text string
	num  uint64
	pos  policy.Pos
}

// kafelRule is one syscall rule of a policy, in order.
type kafelRule struct {
	syscall string
	when    seccomp.Expr
	action  seccomp.Action
	pos     policy.Pos
}

type kafel struct {
	src      sources
	warns    []Warning
	defines  map[string]uint64
	policies map[string][]kafelRule
	top      []kafelRule
	dflt     *seccomp.Action
	toks     []kTok
	i        int
	depth    int
}

// kafelFail carries a positioned error out of the recursive-descent parser.
type kafelFail struct{ err *policy.Error }

func (k *kafel) warnf(pos policy.Pos, format string, args ...any) {
	k.warns = append(k.warns, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (k *kafel) fail(pos policy.Pos, format string, args ...any) {
	panic(kafelFail{k.src.errorf(pos, format, args...)})
}

func (k *kafel) run(name string, src []byte) (p *seccomp.Policy, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(kafelFail)
			if !ok {
				panic(r)
			}
			p, err = nil, f.err
		}
	}()
	k.file(name, src)
	def := seccomp.KillThread // Kafel's default when none is given
	if k.dflt != nil {
		def = *k.dflt
	}
	if len(k.top) == 0 {
		k.warnf(policy.Pos{File: name, Line: 1, Col: 1}, "no rule at file scope and no USE: every call gets the default action %s", def)
	}
	list := make([]ordered, len(k.top))
	for i, r := range k.top {
		list[i] = ordered(r)
	}
	pol := &seccomp.Policy{Default: def, Arches: []syscalls.Arch{syscalls.Native}}
	pol.Rules = firstMatch(list, k.warnf)
	return pol, nil
}

// file lexes and parses one file (the top one or an #include) in place.
func (k *kafel) file(name string, src []byte) {
	k.src.add(name, src)
	saved, savedI := k.toks, k.i
	k.toks, k.i = k.lex(name, src), 0
	k.program()
	k.toks, k.i = saved, savedI
}

func isKIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isKIdent(c byte) bool      { return isKIdentStart(c) || '0' <= c && c <= '9' }

func (k *kafel) lex(name string, src []byte) []kTok {
	var out []kTok
	line, lineStart := 1, 0
	s := string(src)
	for i := 0; i < len(s); {
		c := s[i]
		pos := policy.Pos{File: name, Line: line, Col: i - lineStart + 1}
		switch {
		case c == '\n':
			line, lineStart = line+1, i+1
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(s[i:], "//"):
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case strings.HasPrefix(s[i:], "/*"):
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				k.fail(pos, "unterminated comment: close it with */")
			}
			for j := i; j < i+2+end; j++ {
				if s[j] == '\n' {
					line, lineStart = line+1, j+1
				}
			}
			i += 2 + end + 2
		case c == '-' || '0' <= c && c <= '9':
			j := i
			if c == '-' {
				j++
			}
			for j < len(s) && isKIdent(s[j]) {
				j++
			}
			text := s[i:j]
			v, ok := kafelNumber(text)
			if !ok {
				k.fail(pos, "malformed number %q (decimal, 0x hex, 0 octal or 0b binary, at most 64 bits)", text)
			}
			out = append(out, kTok{kind: 'n', text: text, num: v, pos: pos})
			i = j
		case isKIdentStart(c):
			j := i
			for j < len(s) && isKIdent(s[j]) {
				j++
			}
			out = append(out, kTok{kind: 'i', text: s[i:j], pos: pos})
			i = j
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\n' {
				j++
			}
			if j >= len(s) || s[j] != '"' {
				k.fail(pos, "unterminated string: close it with \" on the same line")
			}
			out = append(out, kTok{kind: 's', text: s[i+1 : j], pos: pos})
			i = j + 1
		default:
			for _, two := range []string{"==", "!=", "<=", ">=", "||", "&&"} {
				if strings.HasPrefix(s[i:], two) {
					out = append(out, kTok{kind: 'p', text: two, pos: pos})
					i += 2
					goto next
				}
			}
			if strings.IndexByte("<>|&(){}[],!#;", c) >= 0 {
				out = append(out, kTok{kind: 'p', text: string(c), pos: pos})
				i++
				break
			}
			k.fail(pos, "unexpected character %q", string(rune(c)))
		next:
		}
	}
	end := policy.Pos{File: name, Line: line, Col: len(s) - lineStart + 1}
	return append(out, kTok{kind: 'e', text: "end of file", pos: end})
}

// kafelNumber reads Kafel's notations: decimal (optionally negative, taken
// modulo 2^64 as strtoull does), 0x hex, 0 octal, 0b binary.
func kafelNumber(t string) (uint64, bool) {
	neg := strings.HasPrefix(t, "-")
	body := strings.TrimPrefix(t, "-")
	var v uint64
	var err error
	switch {
	case strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X"):
		v, err = strconv.ParseUint(body[2:], 16, 64)
	case strings.HasPrefix(body, "0b"):
		v, err = strconv.ParseUint(body[2:], 2, 64)
	case len(body) > 1 && body[0] == '0':
		v, err = strconv.ParseUint(body[1:], 8, 64)
	default:
		v, err = strconv.ParseUint(body, 10, 64)
	}
	if err != nil || body == "" {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func (k *kafel) tok() kTok { return k.toks[k.i] }
func (k *kafel) next() kTok {
	t := k.toks[k.i]
	if k.i < len(k.toks)-1 {
		k.i++
	}
	return t
}
func (k *kafel) is(text string) bool {
	t := k.tok()
	return t.kind != 's' && t.kind != 'e' && t.text == text
}
func (k *kafel) accept(text string) bool {
	if k.is(text) {
		k.next()
		return true
	}
	return false
}
func (k *kafel) expect(text, what string) kTok {
	if !k.is(text) {
		k.failExpected(what)
	}
	return k.next()
}
func (k *kafel) failExpected(what string) {
	t := k.tok()
	got := t.text
	if t.kind == 's' {
		got = strconv.Quote(t.text)
	}
	k.fail(t.pos, "expected %s, found %s", what, got)
}
func (k *kafel) ident(what string) kTok {
	if k.tok().kind != 'i' {
		k.failExpected(what)
	}
	return k.next()
}

// program = { define | include | POLICY name "{" [entries] "}" | USE name
// [DEFAULT action] | DEFAULT action | action-block } .
func (k *kafel) program() {
	for k.tok().kind != 'e' {
		t := k.tok()
		switch {
		case k.accept(",") || k.accept(";"):
		case t.text == "#":
			k.directive()
		case t.kind == 'i' && t.text == "POLICY":
			k.next()
			n := k.ident("a policy name")
			if _, dup := k.policies[n.text]; dup {
				k.fail(n.pos, "redefinition of policy %q: give it another name", n.text)
			}
			k.expect("{", "'{' after the policy name")
			body := k.entries()
			k.expect("}", "',' or '}' in the policy body")
			k.policies[n.text] = body
		case t.kind == 'i' && t.text == "USE":
			k.top = k.appendRules(k.top, k.use(), t.pos)
			if k.tok().kind == 'i' && k.tok().text == "DEFAULT" {
				k.defaultStmt()
			}
		case t.kind == 'i' && t.text == "DEFAULT":
			k.defaultStmt()
		case t.kind == 'i' && kafelActionWord(t.text):
			k.top = k.appendRules(k.top, k.actionBlock(), t.pos)
		default:
			k.failExpected("POLICY, USE, DEFAULT, #define, #include or an action block")
		}
	}
}

func (k *kafel) appendRules(dst, add []kafelRule, pos policy.Pos) []kafelRule {
	if len(dst)+len(add) > maxRules {
		k.fail(pos, "the policy expands to more than %d rules (USE repeats policies): simplify it", maxRules)
	}
	return append(dst, add...)
}

func (k *kafel) defaultStmt() {
	t := k.next()
	if k.dflt != nil {
		k.fail(t.pos, "the default action is given twice: keep one DEFAULT")
	}
	a := k.action()
	k.dflt = &a
}

// directive = "#" "define" name number | "#" "include" string { string } .
func (k *kafel) directive() {
	hash := k.next()
	w := k.ident("define or include after '#'")
	switch w.text {
	case "define":
		n := k.ident("a constant name")
		if _, dup := k.defines[n.text]; dup {
			k.fail(n.pos, "redefinition of constant %q", n.text)
		}
		if k.tok().kind != 'n' {
			k.failExpected("a number")
		}
		k.defines[n.text] = k.next().num
	case "include":
		if k.tok().kind != 's' {
			k.failExpected("a quoted file name")
		}
		for k.tok().kind == 's' {
			t := k.next()
			if k.depth >= maxIncludeDepth {
				k.fail(t.pos, "#include nested more than %d deep", maxIncludeDepth)
			}
			path, b, err := readInclude(t.pos.File, t.text)
			if err != nil {
				k.fail(t.pos, "cannot #include %q: %v", t.text, err)
			}
			k.depth++
			k.file(path, b)
			k.depth--
		}
		k.accept(";")
	default:
		k.fail(hash.pos, "unknown directive #%s (Kafel has #define and #include)", w.text)
	}
}

// entries = entry { "," entry } ; entry = USE name | action-block .
func (k *kafel) entries() []kafelRule {
	var out []kafelRule
	for !k.is("}") && k.tok().kind != 'e' {
		t := k.tok()
		switch {
		case t.kind == 'i' && t.text == "USE":
			out = k.appendRules(out, k.use(), t.pos)
		case t.kind == 'i' && kafelActionWord(t.text):
			out = k.appendRules(out, k.actionBlock(), t.pos)
		default:
			k.failExpected("USE or an action block (ALLOW, KILL, ERRNO(n), ...)")
		}
		if !k.accept(",") {
			break
		}
	}
	return out
}

func (k *kafel) use() []kafelRule {
	k.next()
	n := k.ident("a policy name after USE")
	body, ok := k.policies[n.text]
	if !ok {
		names := make([]string, 0, len(k.policies))
		for p := range k.policies {
			names = append(names, p)
		}
		e := k.src.errorf(n.pos, "undefined policy %q (a policy must be defined before it is used)", n.text)
		e.Suggest = suggestion(n.text, names)
		panic(kafelFail{e})
	}
	return body
}

var kafelActions = map[string]seccomp.Action{
	"ALLOW": seccomp.Allow, "LOG": seccomp.Log, "KILL": seccomp.KillThread, "KILL_THREAD": seccomp.KillThread,
	"DENY": seccomp.KillThread, "KILL_PROCESS": seccomp.KillProcess, "USER_NOTIF": seccomp.Notify,
}

func kafelActionWord(w string) bool {
	_, ok := kafelActions[w]
	return ok || w == "ERRNO" || w == "TRAP" || w == "TRACE"
}

// action = ALLOW | LOG | KILL | KILL_THREAD | DENY | KILL_PROCESS |
// USER_NOTIF | ( ERRNO | TRAP | TRACE ) "(" number ")" .
func (k *kafel) action() seccomp.Action {
	t := k.ident("an action (ALLOW, LOG, KILL, KILL_PROCESS, USER_NOTIF, ERRNO(n), TRAP(n), TRACE(n))")
	if a, ok := kafelActions[t.text]; ok {
		return a
	}
	if t.text != "ERRNO" && t.text != "TRAP" && t.text != "TRACE" {
		k.fail(t.pos, "unknown action %q (known: ALLOW, LOG, KILL, KILL_THREAD, DENY, KILL_PROCESS, USER_NOTIF, ERRNO(n), TRAP(n), TRACE(n))", t.text)
	}
	k.expect("(", "'(' after "+t.text)
	nt := k.tok()
	v := k.value()
	k.expect(")", "')'")
	switch t.text {
	case "ERRNO":
		if v > seccomp.MaxErrno {
			k.fail(nt.pos, "errno %d out of range 0..%d", v, seccomp.MaxErrno)
		}
		return seccomp.Errno(uint16(v))
	case "TRACE":
		if v > math.MaxUint16 {
			k.fail(nt.pos, "trace value %d out of range 0..65535", v)
		}
		return seccomp.Trace(uint16(v))
	}
	if v > math.MaxUint16 {
		k.fail(nt.pos, "trap value %d out of range 0..65535", v)
	}
	if v != 0 {
		k.warnf(nt.pos, "TRAP(%d): the imported trap does not carry the value %d (SIGSYS's si_errno is 0)", v, v)
	}
	return seccomp.Trap
}

// value = number | defined-constant | known constant name.
func (k *kafel) value() uint64 {
	t := k.tok()
	switch t.kind {
	case 'n':
		k.next()
		return t.num
	case 'i':
		k.next()
		if v, ok := k.defines[t.text]; ok {
			return v
		}
		if v, ok := constant(t.text); ok {
			return v
		}
		if v, ok := syscalls.ErrnoValue(t.text); ok {
			return uint64(v)
		}
		k.fail(t.pos, "undefined constant %q: #define it", t.text)
	}
	k.failExpected("a number")
	return 0
}

// action-block = action "{" [ filter { "," filter } ] "}" .
func (k *kafel) actionBlock() []kafelRule {
	a := k.action()
	k.expect("{", "'{' after the action")
	var out []kafelRule
	for !k.is("}") {
		out = append(out, k.filter(a)...)
		if !k.accept(",") {
			break
		}
	}
	k.expect("}", "',' or '}' after a syscall rule")
	return out
}

// kafelArgs maps the argument names of one rule to indexes and widths.
type kafelArgs struct {
	names map[string]int
	w32   [6]bool
}

// filter = syscall-id [ "(" [ name { "," name } ] ")" ] [ ON arches ]
// [ "{" [ bool-expr ] "}" ] ;  syscall-id = name | SYSCALL "[" number "]" .
func (k *kafel) filter(a seccomp.Action) []kafelRule {
	start := k.tok()
	var name string
	known := true
	if start.kind == 'i' && start.text == "SYSCALL" {
		k.next()
		k.expect("[", "'[' after SYSCALL")
		nt := k.tok()
		nr := k.value()
		k.expect("]", "']'")
		name, known = k.numbered(nt.pos, nr)
	} else {
		t := k.ident("a syscall name")
		if v, ok := k.defines[t.text]; ok {
			name, known = k.numbered(t.pos, v)
		} else {
			name = t.text
			if alias, ok := kafelAliases[name]; ok {
				name = alias
			}
			if _, ok := syscalls.Number(syscalls.Native, name); !ok {
				known = false
			}
		}
	}
	args := kafelArgs{names: map[string]int{}}
	specs := syscalls.ArgsFor(syscalls.Native, name)
	for i, s := range specs {
		if i < 6 {
			args.names[s.Name] = i
			args.w32[i] = s.Kind.Width32()
		}
	}
	for i, n := range kafelArgNames[name] {
		if _, taken := args.names[n]; !taken {
			args.names[n] = i
		}
	}
	if k.accept("(") {
		args.names = map[string]int{}
		n := 0
		for !k.is(")") {
			t := k.ident("an argument name")
			if n >= 6 {
				k.fail(t.pos, "too many arguments: a syscall has at most 6")
			}
			if _, dup := args.names[t.text]; dup {
				k.fail(t.pos, "redefinition of argument %q", t.text)
			}
			args.names[t.text] = n
			n++
			if !k.accept(",") {
				break
			}
		}
		k.expect(")", "',' or ')' after an argument name")
	}
	onNative := true
	if k.tok().kind == 'i' && k.tok().text == "ON" {
		k.next()
		onNative = false
		arch := func() {
			t := k.ident("an architecture name")
			n := t.text
			if n == "x86" {
				n = "i386"
			}
			if a, err := syscalls.ParseArch(n); err == nil && a == syscalls.Native {
				onNative = true
			}
		}
		if k.accept("{") {
			for !k.is("}") {
				arch()
				if !k.accept(",") {
					break
				}
			}
			k.expect("}", "'}' after the architectures")
		} else {
			arch()
		}
	}
	var when seccomp.Expr
	if k.accept("{") {
		if !k.is("}") {
			when = k.boolExpr(&args)
		}
		k.expect("}", "'}' after the condition")
	}
	if !onNative {
		return nil
	}
	if !known {
		if name == "" {
			return nil // numbered, warned in numbered
		}
		e := k.src.errorf(start.pos, "undefined syscall %q for %s", name, syscalls.Native)
		e.Suggest = suggestion(name, syscalls.Names(syscalls.Native))
		panic(kafelFail{e})
	}
	return []kafelRule{{syscall: name, when: when, action: a, pos: start.pos}}
}

// numbered names a syscall given by number.
func (k *kafel) numbered(pos policy.Pos, nr uint64) (string, bool) {
	if nr <= math.MaxInt32 {
		if n, ok := syscalls.Name(syscalls.Native, int(nr)); ok {
			return n, true
		}
	}
	k.warnf(pos, "syscall number %d is not a %s syscall ringfence knows: its rule is dropped (such calls get the default action)", int64(nr), syscalls.Native)
	return "", false
}

// kNode is a parsed condition or operand; typing happens after parsing so
// that "(" needs no backtracking: a parenthesised node is whatever it holds.
type kNode struct {
	pos  policy.Pos
	op   string // "num", "name", "!", "&&", "||", "&", "|", or a comparison
	text string // name
	num  uint64
	x, y *kNode
}

// maxNesting bounds parentheses and ! chains in a condition.
const maxNesting = 200

// bool-expr = or-expr { "," or-expr } .
func (k *kafel) boolExpr(a *kafelArgs) seccomp.Expr {
	n := k.nCond(0)
	return k.toCond(n, a)
}

func (k *kafel) nCond(depth int) *kNode {
	if depth > maxNesting {
		k.fail(k.tok().pos, "condition nested more than %d deep", maxNesting)
	}
	x := k.nOr(depth)
	for k.is(",") {
		t := k.next()
		x = &kNode{pos: t.pos, op: "||", x: x, y: k.nOr(depth)}
	}
	return x
}

// or-expr = and-expr { "||" and-expr } .
func (k *kafel) nOr(depth int) *kNode {
	x := k.nAnd(depth)
	for k.is("||") {
		t := k.next()
		x = &kNode{pos: t.pos, op: "||", x: x, y: k.nAnd(depth)}
	}
	return x
}

// and-expr = not-expr { "&&" not-expr } .
func (k *kafel) nAnd(depth int) *kNode {
	x := k.nNot(depth)
	for k.is("&&") {
		t := k.next()
		x = &kNode{pos: t.pos, op: "&&", x: x, y: k.nNot(depth)}
	}
	return x
}

// not-expr = "!" not-expr | compare .
func (k *kafel) nNot(depth int) *kNode {
	if k.is("!") {
		t := k.next()
		if depth > maxNesting {
			k.fail(t.pos, "condition nested more than %d deep", maxNesting)
		}
		return &kNode{pos: t.pos, op: "!", x: k.nNot(depth + 1)}
	}
	return k.nCompare(depth)
}

// compare = bits [ relop bits ] .
func (k *kafel) nCompare(depth int) *kNode {
	x := k.nBits(depth)
	if _, ok := kafelOps[k.tok().text]; ok && k.tok().kind == 'p' {
		t := k.next()
		return &kNode{pos: t.pos, op: t.text, x: x, y: k.nBits(depth)}
	}
	return x
}

// bits = term { ( "&" | "|" ) term } .
func (k *kafel) nBits(depth int) *kNode {
	x := k.nTerm(depth)
	for k.is("&") || k.is("|") {
		t := k.next()
		x = &kNode{pos: t.pos, op: t.text, x: x, y: k.nTerm(depth)}
	}
	return x
}

// term = number | name | "(" bool-expr ")" .
func (k *kafel) nTerm(depth int) *kNode {
	t := k.tok()
	switch {
	case t.kind == 'n':
		k.next()
		return &kNode{pos: t.pos, op: "num", num: t.num}
	case t.kind == 'i':
		k.next()
		return &kNode{pos: t.pos, op: "name", text: t.text}
	case k.accept("("):
		x := k.nCond(depth + 1)
		k.expect(")", "')'")
		return x
	}
	k.failExpected("an argument, a constant, a number, '(' or '!'")
	return nil
}

func isCompare(op string) bool { _, ok := kafelOps[op]; return ok }

// toCond types n as a condition.
func (k *kafel) toCond(n *kNode, a *kafelArgs) seccomp.Expr {
	switch n.op {
	case "!":
		return seccomp.Not{X: k.toCond(n.x, a)}
	case "&&":
		return andJoin(k.toCond(n.x, a), k.toCond(n.y, a))
	case "||":
		return orJoin(k.toCond(n.x, a), k.toCond(n.y, a))
	}
	if !isCompare(n.op) {
		k.fail(n.pos, "expected a comparison (== != < <= > >=) here, not a bare value")
	}
	return k.compare(n, a)
}

// kExpr is a typed operand: a constant, an argument, or argument & mask.
type kExpr struct {
	pos   policy.Pos
	arg   int // -1: a constant
	mask  uint64
	hasM  bool
	value uint64 // the constant, when arg < 0
}

func (k *kafel) compare(n *kNode, a *kafelArgs) seccomp.Expr {
	op := kafelOps[n.op]
	l, r := k.operand(n.x, a), k.operand(n.y, a)
	if l.arg < 0 && r.arg < 0 {
		return constCompare(op, l.value, r.value)
	}
	if l.arg >= 0 && r.arg >= 0 {
		k.fail(n.pos, "comparing two arguments is not something seccomp can do: compare an argument with a constant")
	}
	if l.arg < 0 {
		l, r = r, l
		op = flipped[op]
	}
	w32 := a.w32[l.arg]
	v := r.value
	if w32 {
		if v>>32 != 0 && v>>32 != 0xffffffff {
			k.warnf(r.pos, "argument %d is 32 bits wide: the value %#x is compared by its low 32 bits", l.arg, v)
		}
		v = uint64(uint32(v))
	}
	if l.hasM {
		m := l.mask
		if w32 {
			m = uint64(uint32(m))
		}
		c := seccomp.Cmp{Arg: uint8(l.arg), Op: seccomp.OpMaskedEq, Mask: m, Value: v, Width32: w32}
		switch op {
		case seccomp.OpEq:
			return c
		case seccomp.OpNe:
			return seccomp.Not{X: c}
		}
		k.fail(n.pos, "a masked argument can only be compared with == or != in seccomp")
	}
	return seccomp.Cmp{Arg: uint8(l.arg), Op: op, Value: v, Width32: w32}
}

func constCompare(op seccomp.Op, x, y uint64) seccomp.Expr {
	var r bool
	switch op {
	case seccomp.OpEq:
		r = x == y
	case seccomp.OpNe:
		r = x != y
	case seccomp.OpLt:
		r = x < y
	case seccomp.OpLe:
		r = x <= y
	case seccomp.OpGt:
		r = x > y
	case seccomp.OpGe:
		r = x >= y
	}
	if r {
		return seccomp.True{}
	}
	return seccomp.Or{}
}

// operand types n as a value.
func (k *kafel) operand(n *kNode, a *kafelArgs) kExpr {
	switch n.op {
	case "num":
		return kExpr{pos: n.pos, arg: -1, value: n.num}
	case "name":
		if v, ok := k.defines[n.text]; ok {
			return kExpr{pos: n.pos, arg: -1, value: v}
		}
		if i, ok := a.names[n.text]; ok {
			return kExpr{pos: n.pos, arg: i}
		}
		if v, ok := constant(n.text); ok {
			return kExpr{pos: n.pos, arg: -1, value: v}
		}
		names := make([]string, 0, len(a.names))
		for name := range a.names {
			names = append(names, name)
		}
		e := k.src.errorf(n.pos, "undefined argument or constant %q (declare arguments in the rule: name(a, b) { ... })", n.text)
		e.Suggest = suggestion(n.text, names)
		panic(kafelFail{e})
	case "&", "|":
		x, y := k.operand(n.x, a), k.operand(n.y, a)
		switch {
		case x.arg < 0 && y.arg < 0:
			if n.op == "&" {
				x.value &= y.value
			} else {
				x.value |= y.value
			}
			return x
		case n.op == "|":
			k.fail(n.pos, "'|' combines constants; an argument can only be masked with '&'")
		case x.arg >= 0 && y.arg >= 0:
			k.fail(n.pos, "masking one argument with another is not something seccomp can do")
		}
		if x.arg < 0 {
			x, y = y, x
		}
		if x.hasM {
			x.mask &= y.value
		} else {
			x.mask, x.hasM = y.value, true
		}
		return x
	}
	k.fail(n.pos, "expected a value (an argument, a constant or a number), not a condition")
	return kExpr{}
}

var kafelOps = map[string]seccomp.Op{"==": seccomp.OpEq, "!=": seccomp.OpNe, "<": seccomp.OpLt, "<=": seccomp.OpLe, ">": seccomp.OpGt, ">=": seccomp.OpGe}

// flipped is the operator with its operands swapped (5 < x is x > 5).
var flipped = map[seccomp.Op]seccomp.Op{seccomp.OpEq: seccomp.OpEq, seccomp.OpNe: seccomp.OpNe, seccomp.OpLt: seccomp.OpGt, seccomp.OpLe: seccomp.OpGe, seccomp.OpGt: seccomp.OpLt, seccomp.OpGe: seccomp.OpLe}

func orJoin(x, y seccomp.Expr) seccomp.Expr {
	if o, ok := x.(seccomp.Or); ok && len(o) > 0 {
		return append(o[:len(o):len(o)], y)
	}
	return seccomp.Or{x, y}
}

func andJoin(x, y seccomp.Expr) seccomp.Expr {
	if o, ok := x.(seccomp.And); ok && len(o) > 0 {
		return append(o[:len(o):len(o)], y)
	}
	return seccomp.And{x, y}
}
