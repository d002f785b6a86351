package sandbox_test

import (
	"bytes"
	"github.com/ringfence/ringfence/sandbox"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestInitExecutable: a sandbox starts through the separate ringfence-init
// executable (its PID 1 is that program), and an init executable others
// could replace is refused.
func TestInitExecutable(t *testing.T) {
	dir, err := os.MkdirTemp("", "ringfence-init-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "ringfence-init")
	build := exec.Command("go", "build", "-o", bin, "../cmd/ringfence-init")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ringfence-init: %v\n%s", err, out)
	}
	if err := sandbox.SetInitExecutable(bin); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sandbox.SetInitExecutable("") })
	var out bytes.Buffer
	c := sandbox.Command("/bin/sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline")
	c.Config.SeccompOff = true
	c.Log = quietLog()
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Fatalf("sandbox through %s: %v\n%s", bin, err, out.String())
	}
	if !strings.Contains(out.String(), "ringfence-init") {
		t.Errorf("PID 1 is not the init executable:\n%s", out.String())
	}

	os.Chmod(bin, 0o777)
	if err := sandbox.SetInitExecutable(bin); err == nil || !strings.Contains(err.Error(), "writable by group or others") {
		t.Errorf("a world-writable init executable was accepted: %v", err)
	}
}
