package policytest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Case is one line of a test file: a call and the action it must get.
type Case struct {
	Pos  string // file:line
	Text string // the line as written
	Call Call
	Want seccomp.Action
}

// Parse reads a test file. Errors name file:line and what was expected.
func Parse(name string, src []byte) ([]Case, error) {
	var cases []Case
	var errs []string
	sc := bufio.NewScanner(bytes.NewReader(src))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		body := strings.TrimSpace(stripComment(text))
		if body == "" {
			continue
		}
		pos := fmt.Sprintf("%s:%d", name, line)
		c, err := parseCase(body)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v\n\t%s\n\texpected: [arch:]syscall[(args)] -> action", pos, err, text))
			continue
		}
		c.Pos, c.Text = pos, strings.TrimSpace(text)
		cases = append(cases, c)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return cases, nil
}

// stripComment removes a trailing "# ..." comment but keeps "#nr" syscall numbers.
func stripComment(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '#' {
			continue
		}
		if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
			continue
		}
		return s[:i]
	}
	return s
}

func parseCase(body string) (Case, error) {
	callText, actText, ok := strings.Cut(body, "->")
	if !ok {
		return Case{}, fmt.Errorf("missing '->'")
	}
	call, err := ParseCall(callText)
	if err != nil {
		return Case{}, err
	}
	want, err := seccomp.ParseAction(actText)
	if err != nil {
		return Case{}, err
	}
	return Case{Call: call, Want: want}, nil
}

// Result is the outcome of one case.
type Result struct {
	Case
	Got       seccomp.Action   // the compiled program's decision (emulator)
	Reference seccomp.Decision // the IR's decision
}

// Pass reports whether both evaluations gave the expected action.
func (r Result) Pass() bool { return r.Got == r.Want && r.Reference.Action == r.Want }

// Run evaluates every case on the compiled program and on the IR.
func Run(p *seccomp.Policy, prog []bpf.Instruction, cases []Case) ([]Result, error) {
	out := make([]Result, len(cases))
	for i, c := range cases {
		ret, err := bpf.Run(prog, c.Call.Data())
		if err != nil {
			return nil, fmt.Errorf("%s: emulator: %w", c.Pos, err)
		}
		out[i] = Result{Case: c, Got: seccomp.ActionFromRet(ret), Reference: p.Decide(c.Call.Data())}
	}
	return out, nil
}

// Report writes a diff for every failing case and returns the failure count.
func Report(w io.Writer, results []Result) int {
	failed := 0
	for _, r := range results {
		if r.Pass() {
			continue
		}
		failed++
		fmt.Fprintf(w, "FAIL %s: %s\n", r.Pos, r.Call)
		fmt.Fprintf(w, "  - want %s\n", r.Want)
		fmt.Fprintf(w, "  + got  %s (%s)\n", r.Got, Why(r.Reference))
		if r.Got != r.Reference.Action {
			fmt.Fprintf(w, "  ! compiled program and policy disagree: policy says %s — a compiler bug, please report it\n", r.Reference.Action)
		}
	}
	fmt.Fprintf(w, "%d passed, %d failed\n", len(results)-failed, failed)
	return failed
}

// Why says in words which rule or default decided.
func Why(d seccomp.Decision) string {
	switch {
	case d.Rule != nil && d.Rule.Source != "":
		return "rule at " + d.Rule.Source
	case d.Rule != nil:
		return "rule for " + d.Rule.Syscall
	case d.ABI == syscalls.ArchInvalid:
		return "architecture not admitted by the policy"
	}
	return d.Reason
}
