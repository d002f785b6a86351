package prebuilt

import (
	"bytes"
	"io/fs"
	"path"
	"slices"
	"testing"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
)

// TestFiltersUpToDate fails when the committed filters differ from what the
// compiler makes of the built-in policies now: run `go generate ./prebuilt`.
func TestFiltersUpToDate(t *testing.T) {
	want, err := CompileAll()
	if err != nil {
		t.Fatal(err)
	}
	committed, err := fs.Glob(files, Dir+"/*.bpf")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range committed {
		if _, ok := want[p]; !ok {
			t.Errorf("%s: no built-in policy, ABI and form makes it (go generate ./prebuilt removes it)", p)
		}
	}
	for p, b := range want {
		got, err := fs.ReadFile(files, p)
		switch {
		case err != nil:
			t.Errorf("%s is missing: go generate ./prebuilt", p)
		case !bytes.Equal(got, b):
			t.Errorf("%s is stale (%d bytes, the compiler now makes %d): go generate ./prebuilt", p, len(got), len(b))
		}
	}
}

// TestFilterIsWhatRunCompiles: for this build's ABI, each precompiled
// filter is byte for byte what compiling the built-in policy at run time
// gives (policy.Builtin, not BuiltinFor's explicit arch).
func TestFilterIsWhatRunCompiles(t *testing.T) {
	for _, name := range policy.BuiltinNames() {
		p, err := policy.Builtin(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range forms {
			prog, err := seccomp.Compile(f.Of(p), seccomp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := Filter(name, f)
			if !ok {
				t.Fatalf("no precompiled %s filter for %s", f, name)
			}
			if !bytes.Equal(got, prog.Bytes()) {
				t.Errorf("%s %s: precompiled filter differs from the run-time compile", name, f)
			}
		}
	}
}

func TestFilterUnknownName(t *testing.T) {
	for _, name := range []string{"nonesuch", "", "../filters/default", "default-x86_64-plain"} {
		if _, ok := Filter(name, Plain); ok {
			t.Errorf("Filter(%q) found a filter", name)
		}
	}
}

// TestFormsDiffer guards the form names against a mix-up: the default
// policy denies, so its three forms are three different programs.
func TestFormsDiffer(t *testing.T) {
	var seen [][]byte
	for _, f := range forms {
		b, ok := Filter("default", f)
		if !ok {
			t.Fatalf("no %s filter", f)
		}
		if slices.ContainsFunc(seen, func(s []byte) bool { return bytes.Equal(s, b) }) {
			t.Errorf("the %s filter equals another form's", f)
		}
		seen = append(seen, b)
	}
	if got := path.Base(fileName("default", abis[0], Reporting)); got != "default-x86_64-reporting.bpf" {
		t.Errorf("file name %q", got)
	}
}
