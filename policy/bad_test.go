package policy

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden *.err files of testdata/bad")

// TestBadPolicies loads every testdata/bad/*.policy (with its includes from
// the same directory) and compares the error text with the sibling .err
// file. Each case must fail with positioned errors inside its own text.
func TestBadPolicies(t *testing.T) {
	cases, err := filepath.Glob("testdata/bad/*.policy")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 40 {
		t.Fatalf("only %d bad policies; the corpus must keep at least 40", len(cases))
	}
	fsys := os.DirFS("testdata/bad")
	for _, path := range cases {
		name := filepath.Base(path)
		t.Run(strings.TrimSuffix(name, ".policy"), func(t *testing.T) {
			_, err := Load(name, LoadOptions{FS: fsys})
			if err == nil {
				t.Fatalf("%s loaded without error", name)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want an ErrorList: %v", err, err)
			}
			var one *Error
			if !errors.As(err, &one) {
				t.Fatalf("errors.As cannot find an *Error in %v", err)
			}
			for _, e := range list {
				if !e.Pos.IsValid() || e.Pos.File == "" {
					t.Errorf("error without a position: %v", e)
				}
				if e.Line == "" && !strings.Contains(e.Msg, "no default") {
					t.Errorf("error without its source line: %v", e)
				}
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(path, ".policy") + ".err"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./policy -run TestBadPolicies -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("error text differs from %s\n--- got\n%s--- want\n%s", golden, got, want)
			}
		})
	}
}
