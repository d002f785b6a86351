package policy

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Parse parses one policy file. On error it returns the statements it could
// read and an ErrorList.
func Parse(name string, src []byte) (*File, error) {
	errs := &errorSink{}
	f := parse(name, src, errs)
	return f, errs.list.Err()
}

// ParseFile reads and parses one policy file (its includes are not read).
func ParseFile(path string) (*File, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src)
}

func parse(name string, src []byte, errs *errorSink) *File {
	errs.addSource(name, src)
	toks, comments := lex(name, src, errs)
	p := &parser{toks: toks, errs: errs}
	f := &File{Name: name, Comments: comments, src: src}
	f.Stmts = p.parseFile()
	return f
}

type parser struct {
	toks  []token
	i     int
	errs  *errorSink
	depth int // nesting of (, ! and unary - ~, against maxDepth
}

// maxDepth bounds nesting so a hostile input cannot exhaust the stack.
const maxDepth = 200

// nest enters one level of nesting; the caller defers the returned func.
func (p *parser) nest() func() {
	if p.depth++; p.depth > maxDepth {
		p.fail(&Error{Pos: p.tok().Pos, Msg: fmt.Sprintf("expression nested more than %d deep", maxDepth),
			Expected: "a flatter expression (use define to name parts)"})
	}
	return func() { p.depth-- }
}

// bailout aborts the current statement; parseFile recovers it and skips to
// the next line. It never leaves the parser.
type bailout struct{}

func (p *parser) tok() token { return p.toks[p.i] }
func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) fail(e *Error) {
	p.errs.add(e)
	panic(bailout{})
}

// expect consumes a token of kind k or fails with "expected what".
func (p *parser) expect(k tokenKind, what string) token {
	t := p.tok()
	if t.Kind != k {
		p.failExpected(what)
	}
	return p.next()
}

func (p *parser) failExpected(what string) {
	t := p.tok()
	if t.Kind == tIllegal {
		panic(bailout{}) // the lexer already said what is wrong with it
	}
	p.fail(&Error{Pos: t.Pos, Msg: "unexpected " + t.describe(), Expected: what})
}

var actionNames = []string{"allow", "log", "notify", "trap", "kill-process", "kill-thread", "errno", "trace"}
var keywords = []string{"policy", "default", "arch", "bad-arch", "unknown", "include", "define", "hot"}

// reserved words cannot name a define.
var reserved = append(append([]string{"if", "else", "in", "version"}, keywords...), actionNames...)

// parseFile:
//
//	file = { [ statement ] newline } .
func (p *parser) parseFile() []Stmt {
	var out []Stmt
	for p.tok().Kind != tEOF && !p.errs.full() {
		if p.tok().Kind == tNewline {
			p.next()
			continue
		}
		if s := p.parseStatementRecover(); s != nil {
			out = append(out, s)
		}
	}
	return out
}

func (p *parser) parseStatementRecover() (s Stmt) {
	p.depth = 0
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(bailout); !ok {
				panic(r)
			}
			s = nil
			for p.tok().Kind != tNewline && p.tok().Kind != tEOF {
				p.next()
			}
		}
	}()
	s = p.parseStatement()
	if t := p.tok(); t.Kind != tNewline && t.Kind != tEOF {
		if t.Kind == tIllegal {
			panic(bailout{})
		}
		p.fail(&Error{Pos: t.Pos, Msg: "unexpected " + t.describe() + " after the statement", Expected: "end of line"})
	}
	return s
}

// parseStatement:
//
//	statement = header | default | arch | bad-arch | unknown | hot | include | define | rule .
func (p *parser) parseStatement() Stmt {
	t := p.tok()
	if t.Kind != tIdent {
		p.failExpected("a statement (" + strings.Join(keywords, ", ") + " or an action)")
	}
	base := stmtBase{At: t.Pos}
	var s Stmt
	switch t.Text {
	case "policy":
		s = p.parseHeader(base)
	case "default":
		p.next()
		s = &DefaultStmt{stmtBase: base, Action: p.parseAction()}
	case "bad-arch":
		p.next()
		s = &BadArchStmt{stmtBase: base, Action: p.parseAction()}
	case "unknown":
		p.next()
		s = &UnknownStmt{stmtBase: base, Action: p.parseAction()}
	case "arch":
		p.next()
		s = &ArchStmt{stmtBase: base, Arches: p.parseNames("an architecture (x86_64, i386, x32, aarch64, arm, riscv64)")}
	case "hot":
		p.next()
		s = &HotStmt{stmtBase: base, Names: p.parseNames("a syscall name")}
	case "include":
		p.next()
		path := p.expect(tString, `a quoted file name, for example include "base.policy"`)
		s = &IncludeStmt{stmtBase: base, Path: path.Text}
	case "define":
		s = p.parseDefine(base)
	default:
		if !slices.Contains(actionNames, t.Text) {
			e := &Error{Pos: t.Pos, Msg: fmt.Sprintf("unknown statement %q", t.Text),
				Expected: "an action (" + strings.Join(actionNames, ", ") + ") or a keyword (" + strings.Join(keywords, ", ") + ")"}
			e.Suggest = suggest(t.Text, append(slices.Clone(actionNames), keywords...))
			p.fail(e)
		}
		s = p.parseRule(base)
	}
	p.setEnd(s)
	return s
}

// setEnd records the line of the statement's last token.
func (p *parser) setEnd(s Stmt) {
	end := p.toks[max(p.i-1, 0)].Pos.Line
	switch s := s.(type) {
	case *HeaderStmt:
		s.EndLine = end
	case *DefaultStmt:
		s.EndLine = end
	case *ArchStmt:
		s.EndLine = end
	case *HotStmt:
		s.EndLine = end
	case *BadArchStmt:
		s.EndLine = end
	case *UnknownStmt:
		s.EndLine = end
	case *IncludeStmt:
		s.EndLine = end
	case *DefineStmt:
		s.EndLine = end
	case *RuleStmt:
		s.EndLine = end
	}
}

// parseHeader:
//
//	header = "policy" string [ "version" number ] .
func (p *parser) parseHeader(base stmtBase) *HeaderStmt {
	p.next()
	name := p.expect(tString, `the policy's name in quotes, for example policy "myapp"`)
	h := &HeaderStmt{stmtBase: base, Name: name.Text}
	if t := p.tok(); t.Kind == tIdent && t.Text == "version" {
		p.next()
		h.Version = p.expect(tNumber, "a version number").Text
	}
	return h
}

// parseNames:
//
//	names = ident { "," ident } .
func (p *parser) parseNames(what string) []*Name {
	var out []*Name
	for {
		t := p.expect(tIdent, what)
		out = append(out, &Name{At: t.Pos, Name: t.Text})
		if p.tok().Kind != tComma {
			return out
		}
		p.next()
	}
}

// parseDefine:
//
//	define = "define" ident "=" expr { "," expr } .
func (p *parser) parseDefine(base stmtBase) *DefineStmt {
	p.next()
	t := p.expect(tIdent, "a name for the definition, for example define NET = socket, connect")
	if slices.Contains(reserved, t.Text) {
		p.fail(&Error{Pos: t.Pos, Msg: fmt.Sprintf("%q is a reserved word and cannot be defined", t.Text)})
	}
	d := &DefineStmt{stmtBase: base, Name: &Name{At: t.Pos, Name: t.Text}}
	p.expect(tAssign, "'=' after the name")
	first := p.tok().Pos
	items := []Expr{p.parseDefineItem()}
	for p.tok().Kind == tComma {
		p.next()
		items = append(items, p.parseDefineItem())
	}
	if len(items) == 1 {
		d.Value = items[0]
	} else {
		d.Value = &List{At: first, Items: items}
	}
	return d
}

func (p *parser) parseDefineItem() Expr {
	if t := p.tok(); t.Kind == tGroup {
		p.next()
		return &GroupRef{At: t.Pos, Name: t.Text}
	}
	return p.parseCond()
}

// parseRule:
//
//	rule    = action [ "[" names "]" ] target { "," target } [ "if" cond [ "else" action ] ] .
//	target  = ident | group .
func (p *parser) parseRule(base stmtBase) *RuleStmt {
	r := &RuleStmt{stmtBase: base, Action: p.parseAction()}
	if p.tok().Kind == tLBrack {
		p.next()
		r.Arches = p.parseNames("an architecture in the guard, for example allow[i386] socketcall")
		p.expect(tRBrack, "']' to close the arch guard")
	}
	for {
		t := p.tok()
		switch t.Kind {
		case tIdent:
			if t.Text == "if" || t.Text == "else" {
				p.failExpected("a syscall, a group (@name) or a set name")
			}
			r.Targets = append(r.Targets, &Ident{At: t.Pos, Name: t.Text})
		case tGroup:
			r.Targets = append(r.Targets, &GroupRef{At: t.Pos, Name: t.Text})
		default:
			p.failExpected("a syscall, a group (@name) or a set name")
		}
		p.next()
		if p.tok().Kind != tComma {
			break
		}
		p.next()
	}
	if t := p.tok(); t.Kind == tIdent && t.Text == "if" {
		p.next()
		r.Cond = p.parseCond()
		if t := p.tok(); t.Kind == tIdent && t.Text == "else" {
			p.next()
			r.Else = p.parseAction()
		}
	} else if t.Kind != tNewline && t.Kind != tEOF && t.Kind != tIllegal {
		p.fail(&Error{Pos: t.Pos, Msg: "unexpected " + t.describe() + " after the syscall list",
			Expected: "',' and another syscall, 'if' and a condition, or end of line"})
	}
	return r
}

// parseAction:
//
//	action = "allow" | "log" | "notify" | "trap" | "kill-process" | "kill-thread"
//	       | "errno" "(" expr ")" | "trace" "(" expr ")" .
func (p *parser) parseAction() *Action {
	t := p.tok()
	if t.Kind != tIdent || !slices.Contains(actionNames, t.Text) {
		e := &Error{Pos: t.Pos, Msg: "unexpected " + t.describe(), Expected: "an action (" + strings.Join(actionNames, ", ") + ")"}
		if t.Kind == tIdent {
			e.Msg = fmt.Sprintf("unknown action %q", t.Text)
			e.Suggest = suggest(t.Text, actionNames)
		}
		if t.Kind == tIllegal {
			panic(bailout{})
		}
		p.fail(e)
	}
	p.next()
	a := &Action{At: t.Pos, Name: t.Text}
	switch t.Text {
	case "errno", "trace":
		example := map[string]string{"errno": "errno(EPERM)", "trace": "trace(1)"}[t.Text]
		p.expect(tLParen, "'(' and a value: "+example)
		a.Arg = p.parseBitOr()
		p.expect(tRParen, "')' to close "+t.Text+"(")
	default:
		if p.tok().Kind == tLParen {
			p.fail(&Error{Pos: p.tok().Pos, Msg: fmt.Sprintf("action %s takes no value", t.Text)})
		}
	}
	return a
}

// parseCond:
//
//	cond = and-cond { "||" and-cond } .
func (p *parser) parseCond() Expr {
	x := p.parseAndCond()
	for p.tok().Kind == tOrOr {
		op := p.next()
		x = &Binary{At: op.Pos, Op: OpOrOr, X: x, Y: p.parseAndCond()}
	}
	return x
}

// parseAndCond:
//
//	and-cond = not-cond { "&&" not-cond } .
func (p *parser) parseAndCond() Expr {
	x := p.parseNotCond()
	for p.tok().Kind == tAndAnd {
		op := p.next()
		x = &Binary{At: op.Pos, Op: OpAndAnd, X: x, Y: p.parseNotCond()}
	}
	return x
}

// parseNotCond:
//
//	not-cond = "!" not-cond | compare .
func (p *parser) parseNotCond() Expr {
	if t := p.tok(); t.Kind == tNot {
		defer p.nest()()
		p.next()
		return &Unary{At: t.Pos, Op: OpNot, X: p.parseNotCond()}
	}
	return p.parseCompare()
}

var compareOps = map[tokenKind]Op{tEq: OpEq, tNe: OpNe, tLt: OpLt, tLe: OpLe, tGt: OpGt, tGe: OpGe}

// parseCompare:
//
//	compare = bit-and [ ( "==" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) bit-and ] .
func (p *parser) parseCompare() Expr {
	x := p.parseBitAnd()
	t := p.tok()
	op, ok := compareOps[t.Kind]
	if t.Kind == tIdent && t.Text == "in" {
		op, ok = OpIn, true
	}
	if !ok {
		if t.Kind == tAssign {
			p.fail(&Error{Pos: t.Pos, Msg: "'=' is not a comparison", Expected: "'==' to compare", Suggest: "=="})
		}
		return x
	}
	p.next()
	if p.tok().Kind == tAssign {
		p.fail(&Error{Pos: p.tok().Pos, Msg: "unexpected '='", Expected: "a value (comparisons are ==, !=, <, <=, >, >=)"})
	}
	y := p.parseBitAnd()
	if n := p.tok(); compareOps[n.Kind] != 0 || n.Kind == tIdent && n.Text == "in" {
		p.fail(&Error{Pos: n.Pos, Msg: "comparisons do not chain", Expected: "'&&' or '||' between two comparisons"})
	}
	return &Binary{At: t.Pos, Op: op, X: x, Y: y}
}

// parseBitAnd:
//
//	bit-and = bit-or { "&" bit-or } .
func (p *parser) parseBitAnd() Expr {
	x := p.parseBitOr()
	for p.tok().Kind == tAmp {
		op := p.next()
		x = &Binary{At: op.Pos, Op: OpBitAnd, X: x, Y: p.parseBitOr()}
	}
	return x
}

// parseBitOr:
//
//	bit-or = unary { "|" unary } .
func (p *parser) parseBitOr() Expr {
	x := p.parseUnary()
	for p.tok().Kind == tPipe {
		op := p.next()
		x = &Binary{At: op.Pos, Op: OpBitOr, X: x, Y: p.parseUnary()}
	}
	return x
}

// parseUnary:
//
//	unary = ( "-" | "~" ) unary | primary .
func (p *parser) parseUnary() Expr {
	switch t := p.tok(); t.Kind {
	case tMinus, tTilde:
		defer p.nest()()
	}
	switch t := p.tok(); t.Kind {
	case tMinus:
		p.next()
		return &Unary{At: t.Pos, Op: OpNeg, X: p.parseUnary()}
	case tTilde:
		p.next()
		return &Unary{At: t.Pos, Op: OpCompl, X: p.parseUnary()}
	}
	return p.parsePrimary()
}

var widths = []string{"u32", "s32", "u64", "s64"}

// parsePrimary:
//
//	primary = number | ident [ ":" ( "u32" | "s32" | "u64" | "s64" ) ] | "(" cond ")" .
func (p *parser) parsePrimary() Expr {
	t := p.tok()
	switch t.Kind {
	case tNumber:
		p.next()
		return &Number{At: t.Pos, Text: t.Text}
	case tIdent:
		if slices.Contains(reserved, t.Text) && t.Text != "in" {
			p.failExpected("a value or an argument name")
		}
		if t.Text == "in" {
			p.fail(&Error{Pos: t.Pos, Msg: "'in' needs an argument on its left", Expected: "an argument before 'in', for example flags in O_RDONLY|O_CLOEXEC"})
		}
		p.next()
		id := &Ident{At: t.Pos, Name: t.Text}
		if p.tok().Kind == tColon {
			p.next()
			w := p.tok()
			if w.Kind != tIdent || !slices.Contains(widths, w.Text) {
				e := &Error{Pos: w.Pos, Msg: "unknown argument width " + w.describe(), Expected: "u32, s32, u64 or s64"}
				if w.Kind == tIdent {
					e.Suggest = suggest(w.Text, widths)
				}
				p.fail(e)
			}
			p.next()
			id.Width = w.Text
		}
		return id
	case tGroup:
		p.fail(&Error{Pos: t.Pos, Msg: "a group cannot appear in a condition", Expected: "a value or an argument name"})
	case tLParen:
		defer p.nest()()
		p.next()
		x := p.parseCond()
		if p.tok().Kind != tRParen {
			if p.tok().Kind == tIllegal {
				panic(bailout{})
			}
			p.fail(&Error{Pos: p.tok().Pos, Msg: fmt.Sprintf("unexpected %s: missing ')' for the '(' at %d:%d",
				p.tok().describe(), t.Pos.Line, t.Pos.Col), Expected: "')'"})
		}
		p.next()
		return &Paren{At: t.Pos, X: x}
	}
	p.failExpected("a value, an argument name or '('")
	return nil
}
