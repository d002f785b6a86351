package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ringfence/ringfence/syscalls"
)

// Error is one problem in a policy, at a position.
//
// Its text is `file:line:col: message`, then the source line with a caret
// under the column, then what was expected and the nearest known name, each
// on its own indented line.
type Error struct {
	Pos      Pos
	Msg      string
	Expected string // "expected ..." (without the word), or ""
	Suggest  string // a known name close to the misspelled one, or ""
	Line     string // the source line, for the caret
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Line != "" && e.Pos.Col > 0 {
		b.WriteString("\n    ")
		b.WriteString(e.Line)
		b.WriteString("\n    ")
		b.WriteString(caretPad(e.Line, e.Pos.Col))
		b.WriteString("^")
	}
	if e.Expected != "" {
		b.WriteString("\n    expected ")
		b.WriteString(e.Expected)
	}
	if e.Suggest != "" {
		fmt.Fprintf(&b, "\n    did you mean %q?", e.Suggest)
	}
	return b.String()
}

// caretPad is the prefix that puts a caret under byte column col of line:
// tabs stay tabs so the caret lines up however the terminal renders them.
func caretPad(line string, col int) string {
	var b strings.Builder
	for i, r := range line {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// MaxErrors is how many errors an ErrorList reports before it stops.
const MaxErrors = 20

// ErrorList is every error found in a policy, sorted by position. It
// implements error; errors.As finds each *Error in it.
type ErrorList []*Error

func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	parts := make([]string, 0, len(l)+1)
	for i, e := range l {
		if i == MaxErrors {
			parts = append(parts, fmt.Sprintf("(and %d more errors)", len(l)-MaxErrors))
			break
		}
		parts = append(parts, e.Error())
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.As and errors.Is see each *Error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// Err returns nil for an empty list, else the sorted list.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	sort.SliceStable(l, func(i, j int) bool { return l[i].Pos.before(l[j].Pos) })
	return l
}

// errorSink collects errors with the source text needed for the caret lines.
type errorSink struct {
	list    ErrorList
	sources map[string][]string // file -> lines
}

func (s *errorSink) addSource(name string, src []byte) {
	if s.sources == nil {
		s.sources = map[string][]string{}
	}
	s.sources[name] = strings.Split(string(src), "\n")
}

func (s *errorSink) add(e *Error) *Error {
	if s.full() {
		return e // enough to read; the rest would only cost time
	}
	if lines, ok := s.sources[e.Pos.File]; ok && e.Pos.Line >= 1 && e.Pos.Line <= len(lines) {
		e.Line = strings.TrimRight(lines[e.Pos.Line-1], "\r")
	}
	// One error per position: a second complaint about the same token is noise.
	for _, old := range s.list {
		if old.Pos == e.Pos {
			return old
		}
	}
	s.list = append(s.list, e)
	return e
}

func (s *errorSink) errorf(pos Pos, format string, args ...any) *Error {
	return s.add(&Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (s *errorSink) full() bool { return len(s.list) >= 4*MaxErrors }

// suggest returns the candidate name most plausibly misspells, or "".
func suggest(name string, candidates []string) string {
	s, _ := syscalls.Nearest(name, candidates)
	return s
}
