package escape

import (
	"bytes"
	"github.com/ringfence/ringfence/internal/asroot"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// rootlessEnv marks the copy of the test binary that TestRootless starts as
// uid 65534: it runs the rootless subset of TestEscapes, the sandboxes
// started by an unprivileged user. Its value is the home secret's path and
// marker ("PATH:MARKER"), planted by the root parent.
const rootlessEnv = "RINGFENCE_ESCAPE_ROOTLESS"

const nobody = 65534

// TestRootless re-executes this test binary as nobody (65534) to run the
// rootless subset of TestEscapes: each attack must still escape without
// the sandbox (an unprivileged user can do all of these to its own
// processes and files) and be contained inside it.
func TestRootless(t *testing.T) {
	asroot.Require(t, "TestRootless starts the suite as uid 65534")
	// A place nobody can read: a copy of this binary and of the attack
	// sources (the go-build directory and the checkout may not be readable).
	dir, err := os.MkdirTemp("/var/tmp", "ringfence-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	copyFile(t, self, filepath.Join(dir, "escape.test"))
	if err := os.Mkdir(filepath.Join(dir, "attacks"), 0o755); err != nil {
		t.Fatal(err)
	}
	srcs, _ := filepath.Glob("attacks/*")
	for _, s := range srcs {
		copyFile(t, s, filepath.Join(dir, s))
	}
	// The home secret belongs to nobody: without the sandbox nobody reads
	// it, inside the sandbox /home is hidden.
	home, err := os.MkdirTemp("/home", "ringfence-escape-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	marker := "ringfence-secret-" + randomHex(8)
	secret := filepath.Join(home, "secret")
	writeSecret(t, secret, marker)
	for _, p := range []string{home, secret} {
		if err := os.Chown(p, nobody, nobody); err != nil {
			t.Fatal(err)
		}
	}

	args := []string{"-test.run=^TestEscapes$", "-test.v", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command(filepath.Join(dir, "escape.test"), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), rootlessEnv+"="+secret+":"+marker, "HOME=/nonexistent", "TMPDIR=/tmp")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "--- ") || strings.Contains(line, "escape_test.go") {
			t.Log(strings.TrimRight(line, " "))
		}
	}
	if err != nil {
		t.Fatalf("the rootless suite failed: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "--- PASS: TestEscapes/") {
		t.Fatalf("the rootless suite ran no attack:\n%s", out.String())
	}
}
