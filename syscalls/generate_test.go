package syscalls

import (
	"errors"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesUpToDate regenerates the tables from the pinned headers
// (syscalls/gen/fetch.sh extracts them into the cache directory) and checks
// the committed zz_generated_*.go files are byte-identical.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("gcc (the generator's evaluator) is not installed: apt-get install gcc (scripts/setup does)")
	}
	bin := filepath.Join(t.TempDir(), "gen")
	if out, err := exec.Command("go", "build", "-o", bin, "./gen").CombinedOutput(); err != nil {
		t.Fatalf("building the generator: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "-check").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		t.Fatalf("input headers absent (linux-libc-dev, libc6-dev pinned in gen/inputs.txt): run syscalls/gen/fetch.sh (scripts/setup does):\n%s", out)
	default:
		t.Fatalf("generated files are stale or the generator failed: %v\n%s", err, out)
	}
}
