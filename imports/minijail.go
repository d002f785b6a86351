package imports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Minijail imports a minijail seccomp .policy file. name is used in
// positions and to resolve @include and @frequency.
func Minijail(name string, src []byte) (*seccomp.Policy, []Warning, error) {
	m := &minijail{src: sources{}, dflt: seccomp.KillProcess, lines: map[string]policy.Pos{}, freq: map[string]int{}}
	if err := m.file(name, src, 0); err != nil {
		return nil, m.warns, err
	}
	p := &seccomp.Policy{Default: m.dflt, Arches: []syscalls.Arch{syscalls.Native}}
	for i := range m.rules {
		// The fallback of "EXPR; return E" lines and of plain EXPR lines is
		// the default action unless the line named one.
		if m.rules[i].action.Kind == seccomp.ActInvalid {
			m.rules[i].action = m.dflt
		}
	}
	p.Rules = firstMatch(m.rules, m.warnf)
	if len(m.freq) > 0 {
		for n := range m.freq {
			p.Hot = append(p.Hot, n)
		}
		sort.Slice(p.Hot, func(i, j int) bool {
			a, b := p.Hot[i], p.Hot[j]
			if m.freq[a] != m.freq[b] {
				return m.freq[a] > m.freq[b]
			}
			return a < b
		})
	}
	return p, m.warns, nil
}

type minijail struct {
	src   sources
	warns []Warning
	dflt  seccomp.Action
	rules []ordered
	lines map[string]policy.Pos // first line of each syscall
	freq  map[string]int
}

func (m *minijail) warnf(pos policy.Pos, format string, args ...any) {
	m.warns = append(m.warns, Warning{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

type mTok struct {
	kind string // ident, num, arg, op, punct, path, at
	text string
	pos  policy.Pos
}

// mLine is one logical line (continuations joined) as tokens.
type mLine struct {
	toks []mTok
	end  policy.Pos
}

type mFail struct{ err *policy.Error }

func (m *minijail) file(name string, src []byte, depth int) (err error) {
	m.src.add(name, src)
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(mFail)
			if !ok {
				panic(r)
			}
			err = f.err
		}
	}()
	for _, ln := range m.tokenize(name, string(src)) {
		m.statement(ln, depth)
	}
	return nil
}

func (m *minijail) fail(pos policy.Pos, format string, args ...any) {
	panic(mFail{m.src.errorf(pos, format, args...)})
}

func isMIdent(c byte) bool {
	return c == '_' || c == '-' || c == '@' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// tokenize splits src into logical lines of tokens (after minijail's
// tools/parser.py token set: comments, \ continuation, @directives, paths,
// numbers, argN, operators, punctuation, identifiers).
func (m *minijail) tokenize(name, src string) []mLine {
	var out []mLine
	var cur []mTok
	lines := strings.Split(src, "\n")
	for li, line := range lines {
		line = strings.TrimRight(line, "\r")
		cont := strings.HasSuffix(line, "\\")
		if cont {
			line = line[:len(line)-1]
		}
		for i := 0; i < len(line); {
			c := line[i]
			pos := policy.Pos{File: name, Line: li + 1, Col: i + 1}
			rest := line[i:]
			switch {
			case c == '#':
				i = len(line)
			case c == ' ' || c == '\t':
				i++
			case c == '@':
				j := i + 1
				for j < len(line) && isMIdent(line[j]) {
					j++
				}
				cur = append(cur, mTok{"at", line[i:j], pos})
				i = j
			case c == '/' || strings.HasPrefix(rest, "./") || strings.HasPrefix(rest, "../"):
				j := i
				for j < len(line) && line[j] != ' ' && line[j] != '\t' {
					j++
				}
				cur = append(cur, mTok{"path", line[i:j], pos})
				i = j
			case '0' <= c && c <= '9' || c == '-' && i+1 < len(line) && '0' <= line[i+1] && line[i+1] <= '9':
				j := i + 1
				for j < len(line) && isKIdent(line[j]) {
					j++
				}
				cur = append(cur, mTok{"num", line[i:j], pos})
				i = j
			case isKIdentStart(c):
				j := i
				for j < len(line) && isMIdent(line[j]) {
					j++
				}
				w := line[i:j]
				kind := "ident"
				if w == "in" {
					kind = "op"
				} else if len(w) > 3 && strings.HasPrefix(w, "arg") && allDigits(w[3:]) {
					kind = "arg"
				}
				cur = append(cur, mTok{kind, w, pos})
				i = j
			default:
				for _, two := range []string{"||", "&&", "==", "!=", "<=", ">="} {
					if strings.HasPrefix(rest, two) {
						kind := "op"
						if two == "||" || two == "&&" {
							kind = "punct"
						}
						cur = append(cur, mTok{kind, two, pos})
						i += 2
						goto next
					}
				}
				switch c {
				case '<', '>', '&':
					cur = append(cur, mTok{"op", string(c), pos})
				case ':', ';', ',', '~', '(', ')', '{', '}', '[', ']', '|', '=':
					cur = append(cur, mTok{"punct", string(c), pos})
				default:
					m.fail(pos, "invalid character %q", string(rune(c)))
				}
				i++
			next:
			}
		}
		if cont && li+1 < len(lines) {
			continue
		}
		if len(cur) > 0 {
			out = append(out, mLine{toks: cur, end: policy.Pos{File: name, Line: li + 1, Col: len(line) + 1}})
		}
		cur = nil
	}
	return out
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// mParser walks the tokens of one line.
type mParser struct {
	m    *minijail
	toks []mTok
	i    int
	end  policy.Pos
}

func (p *mParser) done() bool { return p.i >= len(p.toks) }
func (p *mParser) peek() mTok {
	if p.done() {
		return mTok{kind: "end", text: "end of line", pos: p.end}
	}
	return p.toks[p.i]
}
func (p *mParser) next() mTok { t := p.peek(); p.i++; return t }
func (p *mParser) is(text string) bool {
	t := p.peek()
	return t.kind != "end" && t.text == text
}
func (p *mParser) failExpected(what string) {
	t := p.peek()
	p.m.fail(t.pos, "expected %s, found %s", what, t.text)
}
func (p *mParser) expect(text, what string) mTok {
	if !p.is(text) {
		p.failExpected(what)
	}
	return p.next()
}

// statement = "@include" path | "@frequency" path | "@default" action |
// descriptors ":" filter .
func (m *minijail) statement(ln mLine, depth int) {
	p := &mParser{m: m, toks: ln.toks, end: ln.end}
	first := p.peek()
	switch first.text {
	case "@include", "@frequency":
		p.next()
		t := p.next()
		if t.kind != "path" {
			m.fail(t.pos, "expected a path starting with / or ./ after %s", first.text)
		}
		if first.text == "@include" {
			if depth >= maxIncludeDepth {
				m.fail(t.pos, "@include nested more than %d deep", maxIncludeDepth)
			}
			path, b, err := readInclude(t.pos.File, t.text)
			if err != nil {
				m.fail(t.pos, "cannot @include %s: %v", t.text, err)
			}
			if err := m.file(path, b, depth+1); err != nil {
				panic(mFail{err.(*policy.Error)})
			}
		} else {
			m.frequency(t)
		}
	case "@default":
		p.next()
		t := p.next()
		switch t.text {
		case "kill", "kill-process":
			m.dflt = seccomp.KillProcess
		case "kill-thread":
			m.dflt = seccomp.KillThread
		case "trap":
			m.dflt = seccomp.Trap
		default:
			m.fail(t.pos, "invalid default action %q (kill-process, kill-thread, kill or trap)", t.text)
		}
	default:
		if first.kind == "at" {
			m.fail(first.pos, "unknown directive %s (known: @include, @frequency, @default)", first.text)
		}
		m.filterStatement(p)
	}
	if !p.done() {
		m.fail(p.peek().pos, "extra tokens at the end of the line: %s", p.peek().text)
	}
}

// frequency reads "name: count" lines into Policy.Hot's order.
func (m *minijail) frequency(t mTok) {
	path, b, err := readInclude(t.pos.File, t.text)
	if err != nil {
		m.fail(t.pos, "cannot open frequency file %s: %v", t.text, err)
	}
	m.src.add(path, b)
	for _, ln := range m.tokenize(path, string(b)) {
		p := &mParser{m: m, toks: ln.toks, end: ln.end}
		names := m.descriptors(p)
		p.expect(":", "':' after the syscall name")
		n := p.next()
		v, err := strconv.ParseUint(n.text, 0, 31)
		if n.kind != "num" || err != nil {
			m.fail(n.pos, "expected a count, found %s", n.text)
		}
		for _, name := range names {
			m.freq[name] += int(v)
		}
	}
}

// descriptors = descriptor | "{" descriptor { "," descriptor } "}" ;
// descriptor = name [ "[" "arch" "=" name { "," name } "]" ] | number .
func (m *minijail) descriptors(p *mParser) []string {
	var out []string
	one := func() {
		t := p.next()
		name := t.text
		switch {
		case t.kind == "num":
			nr, err := strconv.ParseInt(t.text, 0, 32)
			n, ok := syscalls.Name(syscalls.Native, int(nr))
			if err != nil || !ok {
				m.fail(t.pos, "syscall number %s is not a %s syscall", t.text, syscalls.Native)
			}
			name = n
		case t.kind == "ident":
			if strings.Contains(name, "@") {
				m.fail(t.pos, "syscall groups (%s) are minijail's per-arch tables; list the syscalls instead", name)
			}
			if _, ok := syscalls.Number(syscalls.Native, name); !ok {
				e := m.src.errorf(t.pos, "nonexistent syscall %q on %s", name, syscalls.Native)
				e.Suggest = suggestion(name, syscalls.Names(syscalls.Native))
				panic(mFail{e})
			}
		default:
			m.fail(t.pos, "expected a syscall name, found %s", t.text)
		}
		keep := true
		if p.is("[") {
			p.next()
			key := p.next()
			if key.text != "arch" {
				m.fail(key.pos, "unknown metadata key %q (minijail knows arch=)", key.text)
			}
			p.expect("=", "'=' after arch")
			keep = false
			for {
				a := p.next()
				if arch, err := syscalls.ParseArch(a.text); err == nil && arch == syscalls.Native {
					keep = true
				}
				if !p.is(",") {
					break
				}
				p.next()
			}
			p.expect("]", "']'")
		}
		if keep {
			out = append(out, name)
		}
	}
	if p.is("{") {
		p.next()
		for {
			one()
			if !p.is(",") {
				break
			}
			p.next()
		}
		p.expect("}", "',' or '}'")
	} else {
		one()
	}
	return out
}

// filterStatement = descriptors ":" ( action | expr [ ";" action ] ) .
func (m *minijail) filterStatement(p *mParser) {
	first := p.peek()
	names := m.descriptors(p)
	p.expect(":", "':' after the syscall name")
	if p.is("{") {
		m.fail(p.peek().pos, "filter lists ({ filter, filter }) are not supported: write one expression with ||, and an action after ';'")
	}
	var when seccomp.Expr
	var onMatch seccomp.Action
	var fallback seccomp.Action // ActInvalid: the default action
	if p.peek().kind == "arg" {
		when = m.expr(p)
		onMatch = seccomp.Allow
		if p.is(";") {
			p.next()
			fallback = m.action(p)
		}
	} else {
		onMatch = m.action(p)
	}
	for _, n := range names {
		if prev, dup := m.lines[n]; dup {
			m.warnf(first.pos, "%s already has a line at %s; minijail applies the first, so this one is dropped", n, prev)
			continue
		}
		m.lines[n] = first.pos
		m.rules = append(m.rules, ordered{syscall: n, when: when, action: onMatch, pos: first.pos})
		if when != nil {
			m.rules = append(m.rules, ordered{syscall: n, action: fallback, pos: first.pos})
		}
	}
}

// action = "1" | "allow" | "kill" | "kill-process" | "kill-thread" | "trap"
// | "trace" | "log" | "user-notify" | "return" errno .
func (m *minijail) action(p *mParser) seccomp.Action {
	t := p.next()
	switch t.text {
	case "1", "allow":
		return seccomp.Allow
	case "kill", "kill-process":
		return seccomp.KillProcess
	case "kill-thread":
		return seccomp.KillThread
	case "trap":
		return seccomp.Trap
	case "trace":
		return seccomp.Trace(0)
	case "log":
		return seccomp.Log
	case "user-notify":
		return seccomp.Notify
	case "return":
		e := p.next()
		var v uint64
		if n, ok := syscalls.ErrnoValue(e.text); ok && e.kind == "ident" {
			v = uint64(n)
		} else if n, err := strconv.ParseUint(e.text, 0, 32); err == nil && e.kind == "num" {
			v = n
		} else {
			m.fail(e.pos, "expected an errno after return (EPERM or a number), found %s", e.text)
		}
		if v > seccomp.MaxErrno {
			m.fail(e.pos, "errno %d out of range 0..%d", v, seccomp.MaxErrno)
		}
		return seccomp.Errno(uint16(v))
	}
	m.fail(t.pos, "expected an action (1, allow, kill, kill-process, kill-thread, trap, trace, log, user-notify, return ERRNO) or an argN expression, found %s", t.text)
	return seccomp.Action{}
}

// expr = clause { "||" clause } ; clause = atom { "&&" atom } .
func (m *minijail) expr(p *mParser) seccomp.Expr {
	var or seccomp.Or
	for {
		var and seccomp.And
		for {
			and = append(and, m.atom(p))
			if !p.is("&&") {
				break
			}
			p.next()
		}
		if len(and) == 1 {
			or = append(or, and[0])
		} else {
			or = append(or, and)
		}
		if !p.is("||") {
			break
		}
		p.next()
	}
	if len(or) == 1 {
		return or[0]
	}
	return or
}

var minijailOps = map[string]seccomp.Op{"==": seccomp.OpEq, "!=": seccomp.OpNe, "<": seccomp.OpLt, "<=": seccomp.OpLe, ">": seccomp.OpGt, ">=": seccomp.OpGe}

// atom = argN op value ; op = == != < <= > >= & in .
func (m *minijail) atom(p *mParser) seccomp.Expr {
	a := p.next()
	if a.kind != "arg" {
		m.fail(a.pos, "expected an argument (arg0..arg5), found %s", a.text)
	}
	idx, err := strconv.Atoi(a.text[3:])
	if err != nil || idx > 5 {
		m.fail(a.pos, "invalid argument %s: syscalls have arg0..arg5", a.text)
	}
	op := p.next()
	if op.kind != "op" {
		m.fail(op.pos, "expected an operator (== != < <= > >= & in), found %s", op.text)
	}
	v := m.value(p)
	c := seccomp.Cmp{Arg: uint8(idx)}
	switch op.text {
	case "&": // any of these bits set
		c.Op, c.Mask, c.Value = seccomp.OpMaskedEq, v, 0
		return seccomp.Not{X: c}
	case "in": // no bit outside these
		c.Op, c.Mask, c.Value = seccomp.OpMaskedEq, ^v, 0
		return c
	}
	c.Op, c.Value = minijailOps[op.text], v
	return c
}

// value = constant { "|" constant } ;
// constant = [ "~" ] ( "(" value ")" | name | number ) .
func (m *minijail) value(p *mParser) uint64 {
	return m.valueDepth(p, 0)
}

func (m *minijail) valueDepth(p *mParser, depth int) uint64 {
	if depth > maxNesting {
		m.fail(p.peek().pos, "value nested more than %d deep", maxNesting)
	}
	var v uint64
	for {
		neg := false
		if p.is("~") {
			p.next()
			neg = true
		}
		var c uint64
		t := p.next()
		switch {
		case t.text == "(":
			c = m.valueDepth(p, depth+1)
			p.expect(")", "')'")
		case t.kind == "num":
			n, ok := minijailNumber(t.text)
			if !ok {
				m.fail(t.pos, "invalid number %s (64-bit decimal, 0x hex or 0o octal)", t.text)
			}
			c = n
		case t.kind == "ident":
			n, ok := constant(t.text)
			if !ok {
				e := m.src.errorf(t.pos, "unknown constant %q", t.text)
				e.Suggest = suggestion(t.text, syscalls.ConstantNames())
				panic(mFail{e})
			}
			c = n
		default:
			m.fail(t.pos, "expected a constant, found %s", t.text)
		}
		if neg {
			c = ^c
		}
		v |= c
		if !p.is("|") {
			return v
		}
		p.next()
	}
}

// minijailNumber parses Python's int(x, 0) forms minijail accepts, negative
// numbers as their 64-bit two's complement.
func minijailNumber(s string) (uint64, bool) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	var v uint64
	var err error
	switch {
	case strings.HasPrefix(body, "0x") || strings.HasPrefix(body, "0X"):
		v, err = strconv.ParseUint(body[2:], 16, 64)
	case strings.HasPrefix(body, "0o") || strings.HasPrefix(body, "0O"):
		v, err = strconv.ParseUint(body[2:], 8, 64)
	default:
		v, err = strconv.ParseUint(body, 10, 64)
	}
	if err != nil {
		return 0, false
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		v = -v
	}
	return v, true
}
