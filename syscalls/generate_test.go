package syscalls

import (
	"errors"
	"os/exec"
	"testing"
)

// TestGeneratedFilesUpToDate regenerates the tables from the pinned headers
// (syscalls/gen/fetch.sh extracts them into the cache directory) and checks
// the committed zz_generated_*.go files are byte-identical.
func TestGeneratedFilesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: regenerating takes ~15s")
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc (the generator's evaluator) is not installed")
	}
	out, err := exec.Command("go", "run", "./gen", "-check").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.ExitCode() == 2:
		t.Skipf("input headers absent (linux-libc-dev, libc6-dev pinned in gen/inputs.txt); run syscalls/gen/fetch.sh:\n%s", out)
	default:
		t.Fatalf("generated files are stale or the generator failed: %v\n%s", err, out)
	}
}
