package imports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Warning is something the source says that the imported policy does not
// keep exactly, or a part of the source that has no effect.
type Warning struct {
	Pos policy.Pos
	Msg string
}

func (w Warning) String() string { return w.Pos.String() + ": warning: " + w.Msg }

// maxIncludeDepth bounds #include / @include nesting.
const maxIncludeDepth = 8

// maxRules bounds the rules an import may produce (Kafel's USE can repeat a
// policy many times over).
const maxRules = 1 << 16

// sources remembers the text of every file read, for caret lines.
type sources map[string][]string

func (s sources) add(name string, src []byte) {
	s[name] = strings.Split(string(src), "\n")
}

func (s sources) errorf(pos policy.Pos, format string, args ...any) *policy.Error {
	e := &policy.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
	if lines, ok := s[pos.File]; ok && pos.Line >= 1 && pos.Line <= len(lines) {
		e.Line = strings.TrimRight(lines[pos.Line-1], "\r")
	}
	return e
}

// readInclude reads path relative to the directory of the including file.
func readInclude(from, path string) (string, []byte, error) {
	if !filepath.IsAbs(path) {
		path = filepath.Join(filepath.Dir(from), path)
	}
	b, err := os.ReadFile(path)
	return path, b, err
}

// ordered is one rule of a first-match-wins source.
type ordered struct {
	syscall string
	when    seccomp.Expr // nil: always
	action  seccomp.Action
	pos     policy.Pos
}

// firstMatch turns an ordered rule list into order-free IR rules. Rule i of
// a syscall gets the condition "c_i and none of c_k" for the earlier rules k
// whose action is less strict than rule i's: when such a k matches first,
// rule i must not take over. Earlier rules with the same or a stricter
// action need no exclusion: if one of them matches, strictest-wins picks
// its action (or one as strict) anyway, so the first match still decides.
// That keeps conditions small where a source lists errno/kill rules before
// allow rules, the usual order.
func firstMatch(list []ordered, warn func(policy.Pos, string, ...any)) []seccomp.Rule {
	type earlier struct {
		when   seccomp.Expr
		action seccomp.Action
	}
	type state struct {
		earlier []earlier
		closed  *policy.Pos // position of an unconditional rule
	}
	seen := map[string]*state{}
	var out []seccomp.Rule
	for _, r := range list {
		st := seen[r.syscall]
		if st == nil {
			st = &state{}
			seen[r.syscall] = st
		}
		if st.closed != nil {
			warn(r.pos, "this rule for %s never applies: the rule at %s matches every call first", r.syscall, st.closed)
			continue
		}
		var excl seccomp.Or
		for _, e := range st.earlier {
			if r.action.Stricter(e.action) {
				excl = append(excl, e.when)
			}
		}
		when := r.when
		if len(excl) > 0 {
			var prior seccomp.Expr = excl
			if len(excl) == 1 {
				prior = excl[0]
			}
			if when == nil {
				when = seccomp.Not{X: prior}
			} else {
				when = seccomp.And{when, seccomp.Not{X: prior}}
			}
		}
		if r.when == nil {
			p := r.pos
			st.closed = &p
		} else {
			st.earlier = append(st.earlier, earlier{r.when, r.action})
		}
		out = append(out, seccomp.Rule{Syscall: r.syscall, When: when, Action: r.action, Source: r.pos.String()})
	}
	return out
}

// constant looks a symbolic constant up in the tables (native ABI values).
func constant(name string) (uint64, bool) { return syscalls.ConstantFor(syscalls.Native, name) }

// suggestion returns a "did you mean" for a misspelled name.
func suggestion(word string, candidates []string) string {
	if s, ok := syscalls.Nearest(word, candidates); ok {
		return s
	}
	return ""
}

// Format names, as Detect returns them.
const (
	FormatOCI       = "oci"
	FormatKafel     = "kafel"
	FormatMinijail  = "minijail"
	FormatSystemd   = "systemd"
	FormatRingfence = "ringfence"
)

// The detection patterns compile on first use: every CLI start links this
// package, and one that reads no policy file should not pay for them.
var (
	systemdLine  = lazyRegexp(`(?m)^[ \t]*SystemCall(Filter|ErrorNumber|Architectures|Log)[ \t]*=`)
	kafelWord    = lazyRegexp(`(?m)^[ \t]*(POLICY[ \t]+[A-Za-z_]|USE[ \t]+[A-Za-z_]|DEFAULT[ \t]+[A-Z]|#[ \t]*define[ \t]|(ALLOW|LOG|KILL|KILL_PROCESS|KILL_THREAD|DENY|USER_NOTIF|(ERRNO|TRAP|TRACE)[ \t]*\([^)]*\))[ \t]*\{)`)
	minijailLine = lazyRegexp(`^[ \t]*([A-Za-z_][A-Za-z0-9_]*|[0-9]+|\{[^}]*\})[ \t]*(\[[^\]]*\])?[ \t]*:`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// Detect tells by content which format src is in: FormatOCI (a JSON
// object), FormatKafel (POLICY / USE / DEFAULT / #define statements),
// FormatSystemd (SystemCallFilter= and related keys), FormatMinijail (every
// statement a `name: filter` line or an @ directive), else FormatRingfence.
// name is not consulted; it is there for future use of the file extension.
func Detect(name string, src []byte) string {
	_ = name
	trimmed := bytes.TrimSpace(src)
	if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) {
		return FormatOCI
	}
	if systemdLine().Match(src) {
		return FormatSystemd
	}
	if kafelWord().Match(src) {
		return FormatKafel
	}
	statements, mini := 0, 0
	for _, line := range strings.Split(string(src), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		statements++
		if minijailLine().MatchString(t) || strings.HasPrefix(t, "@include") || strings.HasPrefix(t, "@frequency") || strings.HasPrefix(t, "@default") {
			mini++
		}
	}
	if statements > 0 && mini*2 > statements {
		return FormatMinijail
	}
	return FormatRingfence
}
