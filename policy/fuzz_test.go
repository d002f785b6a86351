package policy

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/seccomp"
)

// FuzzParse feeds arbitrary text to the whole front end (parse, resolve,
// format, print): nothing may panic, and every rejection must be an
// ErrorList of *Error, each positioned inside the input.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bad/*.policy")
	seeds = append(seeds, "builtin/default.policy")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("default errno(EPERM)\nallow openat if flags in O_RDONLY|O_CLOEXEC else errno(EACCES)\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		// A hang is a failure too: crash with every goroutine's stack so
		// the fuzzer keeps the input.
		debug.SetTraceback("all")
		watchdog := time.AfterFunc(10*time.Second, func() { panic("policy front end hangs") })
		defer watchdog.Stop()
		file, err := Parse("fuzz.policy", src)
		checkFuzzErr(t, src, err)
		if err != nil {
			return
		}
		out := Format(file)
		file2, err := Parse("fuzz.policy", out)
		if err != nil {
			t.Fatalf("formatted text does not parse: %v\n--- input\n%q\n--- formatted\n%s", err, src, out)
		}
		if again := Format(file2); string(again) != string(out) {
			t.Fatalf("Format is not idempotent\n--- first\n%s--- second\n%s", out, again)
		}
		p, err := Resolve(file)
		checkFuzzErr(t, src, err)
		if err != nil {
			return
		}
		// Formatting keeps the meaning: the same rules, in the same order.
		p2, err := Resolve(file2)
		if err != nil {
			t.Fatalf("formatted policy does not resolve: %v\n%s", err, out)
		}
		if a, b := ruleText(p), ruleText(p2); a != b {
			t.Fatalf("formatting changed the rules\n--- before\n%s--- after\n%s", a, b)
		}
		if _, err := LoadSource("printed.policy", Print(p), LoadOptions{}); err != nil {
			t.Fatalf("printed policy does not load: %v\n%s", err, Print(p))
		}
	})
}

func checkFuzzErr(t *testing.T, src []byte, err error) {
	if err == nil {
		return
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("error %T is not an ErrorList: %v", err, err)
	}
	lines := strings.Split(string(src), "\n")
	for _, e := range list {
		if e.Pos.File != "fuzz.policy" || e.Pos.Line < 1 || e.Pos.Line > len(lines) || e.Pos.Col < 1 || e.Pos.Col > len(lines[e.Pos.Line-1])+1 {
			t.Fatalf("error position %v outside the input (%d lines): %v", e.Pos, len(lines), e)
		}
	}
}

// ruleText is the policy without rule positions.
func ruleText(p *seccomp.Policy) string {
	var b strings.Builder
	unknown := "none"
	if p.Unknown != nil {
		unknown = p.Unknown.String()
	}
	fmt.Fprintf(&b, "%v %v %v %s\n", p.Default, p.Arches, p.BadArch, unknown)
	for _, r := range p.Rules {
		fmt.Fprintf(&b, "%s %v %v %v\n", r.Syscall, r.Arches, r.When, r.Action)
	}
	return b.String()
}
