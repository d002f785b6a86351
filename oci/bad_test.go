package oci

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/syscalls"
)

var update = flag.Bool("update", false, "rewrite testdata/bad/*.err from the current messages")

// TestBadProfiles: every file in testdata/bad is rejected with exactly the
// error in its .err file, each error positioned (line:col) and, past the
// JSON syntax, naming the JSON path.
func TestBadProfiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.json")
	if err != nil || len(files) < 30 {
		t.Fatalf("bad-profile corpus: %d files, err %v", len(files), err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = Import(data, ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1", Filename: name})
			if err == nil {
				t.Fatal("accepted")
			}
			checkPositioned(t, err)
			golden := strings.TrimSuffix(f, ".json") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(err.Error()+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, rerr := os.ReadFile(golden)
			if rerr != nil {
				t.Fatalf("%v (run go test -update to create it)", rerr)
			}
			if got := err.Error(); got != strings.TrimSuffix(string(want), "\n") {
				t.Errorf("error:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// checkPositioned fails unless every error is an *Error with a line and
// column, and a JSON path unless it is a JSON syntax error.
func checkPositioned(t testing.TB, err error) {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) || len(es) == 0 {
		t.Fatalf("error %q (%T) is not an oci.Errors", err, err)
	}
	for _, e := range es {
		if e.Line <= 0 || e.Col <= 0 {
			t.Errorf("error without a position: %v", e)
		}
		if e.Path == "" && !strings.Contains(e.Msg, "JSON") && !strings.Contains(e.Msg, "end of input") && !strings.Contains(e.Msg, "expected an object") && !strings.Contains(e.Msg, "profile") {
			t.Errorf("error without a JSON path: %v", e)
		}
	}
}
