package policy

import (
	"strconv"
	"strings"
)

// maxLine is where Format wraps a long syscall list or condition.
const maxLine = 100

// Format prints a parsed file in canonical form, as gofmt does for Go:
// statements in source order, one per line, single spaces around operators,
// `, ` between list items, at most one blank line in a row, comments kept
// (a comment inside a multi-line statement moves above it), trailing
// comments of consecutive one-line statements aligned in one column. Long
// syscall lists wrap after a comma; long conditions wrap before a top-level
// `||`. Format(Parse(Format(f))) == Format(f).
func Format(f *File) []byte {
	var lines []outLine
	ci := 0 // next comment to print
	lastLine := 0
	blank := func(line int) {
		if lastLine > 0 && line > lastLine+1 {
			lines = append(lines, outLine{})
		}
	}
	for _, s := range f.Stmts {
		start, end := s.Pos().Line, s.End()
		for ci < len(f.Comments) && f.Comments[ci].Pos.Line <= end {
			c := f.Comments[ci]
			if c.Pos.Line == end && c.Pos.Line >= start {
				break // trailing comment
			}
			blank(c.Pos.Line)
			lines = append(lines, outLine{comment: c.Text})
			lastLine = max(c.Pos.Line, lastLine)
			ci++
		}
		if start > lastLine {
			blank(start)
		}
		l := outLine{code: formatStmt(s)}
		if ci < len(f.Comments) && f.Comments[ci].Pos.Line == end {
			l.comment = f.Comments[ci].Text
			ci++
		}
		lines = append(lines, l)
		lastLine = max(end, lastLine)
	}
	for ; ci < len(f.Comments); ci++ {
		blank(f.Comments[ci].Pos.Line)
		lines = append(lines, outLine{comment: f.Comments[ci].Text})
		lastLine = f.Comments[ci].Pos.Line
	}
	return renderLines(lines)
}

// outLine is one statement (code) with its trailing comment, a comment
// line (no code), or a blank line (neither).
type outLine struct{ code, comment string }

// aligned reports whether the line's comment joins a column of trailing comments.
func (l outLine) aligned() bool {
	return l.code != "" && l.comment != "" && !strings.Contains(l.code, "\n")
}

func renderLines(lines []outLine) []byte {
	var b strings.Builder
	for i := 0; i < len(lines); {
		j, width := i, 0
		for j < len(lines) && lines[j].aligned() {
			width = max(width, len(lines[j].code))
			j++
		}
		if j == i {
			l := lines[i]
			b.WriteString(l.code)
			if l.code != "" && l.comment != "" {
				b.WriteString("  ")
			}
			b.WriteString(l.comment)
			b.WriteString("\n")
			i++
			continue
		}
		for ; i < j; i++ {
			l := lines[i]
			b.WriteString(l.code)
			b.WriteString(strings.Repeat(" ", width-len(l.code)+2))
			b.WriteString(l.comment)
			b.WriteString("\n")
		}
	}
	return []byte(b.String())
}

func formatStmt(s Stmt) string {
	switch s := s.(type) {
	case *HeaderStmt:
		out := "policy " + strconv.Quote(s.Name)
		if s.Version != "" {
			out += " version " + s.Version
		}
		return out
	case *DefaultStmt:
		return "default " + formatAction(s.Action)
	case *BadArchStmt:
		return "bad-arch " + formatAction(s.Action)
	case *UnknownStmt:
		return "unknown " + formatAction(s.Action)
	case *ArchStmt:
		return "arch " + formatNames(s.Arches)
	case *HotStmt:
		return "hot " + formatNames(s.Names)
	case *IncludeStmt:
		return "include " + strconv.Quote(s.Path)
	case *DefineStmt:
		head := "define " + s.Name.Name + " = "
		if l, ok := s.Value.(*List); ok {
			return wrapList(head, l.Items)
		}
		return head + formatExpr(s.Value)
	case *RuleStmt:
		head := formatAction(s.Action)
		if s.Arches != nil {
			head += "[" + formatNames(s.Arches) + "]"
		}
		out := wrapList(head+" ", s.Targets)
		if s.Cond != nil {
			out = wrapCond(out+" if ", s.Cond)
		}
		if s.Else != nil {
			out += " else " + formatAction(s.Else)
		}
		return out
	}
	return ""
}

// wrapList writes head and the items joined by ", ", wrapping after a comma
// when a line would pass maxLine.
func wrapList(head string, items []Expr) string {
	var b strings.Builder
	b.WriteString(head)
	col := len(head)
	for i, it := range items {
		s := formatExpr(it)
		if i > 0 {
			if col+2+len(s) > maxLine {
				b.WriteString(",\n    ")
				col = 4
			} else {
				b.WriteString(", ")
				col += 2
			}
		}
		b.WriteString(s)
		col += len(s)
	}
	return b.String()
}

// wrapCond writes head and the condition, breaking a long one before each
// top-level ||.
func wrapCond(head string, e Expr) string {
	lastLine := head[strings.LastIndexByte(head, '\n')+1:]
	s := formatExpr(e)
	if len(lastLine)+len(s) <= maxLine {
		return head + s
	}
	var parts []Expr
	var walk func(Expr)
	walk = func(x Expr) {
		if b, ok := x.(*Binary); ok && b.Op == OpOrOr {
			walk(b.X)
			walk(b.Y)
			return
		}
		parts = append(parts, x)
	}
	walk(e)
	if len(parts) == 1 {
		return head + s
	}
	out := head + formatExpr(parts[0])
	for _, p := range parts[1:] {
		out += "\n    || " + formatExpr(p)
	}
	return out
}

func formatNames(ns []*Name) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = n.Name
	}
	return strings.Join(s, ", ")
}

func formatAction(a *Action) string {
	if a.Arg != nil {
		return a.Name + "(" + formatExpr(a.Arg) + ")"
	}
	return a.Name
}

// formatExpr prints an expression as parsed: the tree already has the
// user's parentheses, so none are added.
func formatExpr(e Expr) string {
	switch e := e.(type) {
	case *Ident:
		if e.Width != "" {
			return e.Name + ":" + e.Width
		}
		return e.Name
	case *GroupRef:
		return e.Name
	case *Number:
		return e.Text
	case *Unary:
		if _, ok := e.X.(*Binary); ok && e.Op == OpNot {
			// `!flags == 1` means !(flags == 1): say so.
			return "!(" + formatExpr(e.X) + ")"
		}
		return e.Op.String() + formatExpr(e.X)
	case *Binary:
		return formatExpr(e.X) + " " + e.Op.String() + " " + formatExpr(e.Y)
	case *Paren:
		return "(" + formatExpr(e.X) + ")"
	case *List:
		s := make([]string, len(e.Items))
		for i, it := range e.Items {
			s[i] = formatExpr(it)
		}
		return strings.Join(s, ", ")
	}
	return ""
}
