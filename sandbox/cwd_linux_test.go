package sandbox_test

import (
	"bytes"
	"github.com/ringfence/ringfence/sandbox"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCwdUnderUserTmpfs: a --tmpfs over a parent of the working directory
// does not hide the working directory, and a --bind below it is not hidden
// by it.
func TestCwdUnderUserTmpfs(t *testing.T) {
	dir, err := os.MkdirTemp("/tmp", "ringfence-cwd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	out := filepath.Join(dir, "out")
	os.Mkdir(out, 0o777)
	os.Chmod(dir, 0o755)
	os.Chmod(out, 0o777)
	var buf bytes.Buffer
	c := sandbox.Command("/bin/sh", "-c", "pwd && echo x > out/f && df /tmp | tail -1")
	c.Dir = dir
	c.Config.SeccompOff = true
	c.Config.Mounts = []sandbox.Mount{{Kind: sandbox.MountTmpfs, Dest: "/tmp", Size: 8 << 20}, {Kind: sandbox.MountBind, Source: out}}
	c.Log = quietLog()
	c.Stdout, c.Stderr = &buf, &buf
	if err := c.Run(); err != nil {
		t.Fatalf("cwd %s under a user tmpfs /tmp: %v\n%s", dir, err, buf.String())
	}
	if !strings.HasPrefix(buf.String(), dir+"\n") || !strings.Contains(buf.String(), "tmpfs") {
		t.Errorf("output:\n%s", buf.String())
	}
	if b, err := os.ReadFile(filepath.Join(out, "f")); err != nil || string(b) != "x\n" {
		t.Errorf("the writable bind below the cwd was hidden: %q %v", b, err)
	}
}
