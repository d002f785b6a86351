package policy

import "testing"

// BenchmarkBuiltinDefault measures parsing and resolving the default policy
// (about 360 syscalls) from its embedded text.
func BenchmarkBuiltinDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Builtin("default"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrintDefault measures printing the resolved default policy.
func BenchmarkPrintDefault(b *testing.B) {
	p, err := Builtin("default")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Print(p)
	}
}
