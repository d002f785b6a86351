package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/prebuilt"
)

// BenchmarkSeccompFilter measures what `run` does for its seccomp filter
// before the sandbox starts: the built-in default (precompiled) against
// the same policy from a file (parsed, resolved and compiled per run).
func BenchmarkSeccompFilter(b *testing.B) {
	src, err := policy.BuiltinSource("default")
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "default.policy")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, policy string }{{"builtin", "default"}, {"file", file}} {
		b.Run(bc.name, func(b *testing.B) {
			cmd := newRunCmd()
			f := runFlags{policy: bc.policy}
			for b.Loop() {
				if _, _, err := f.seccompFilter(cmd, prebuilt.Reporting); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
