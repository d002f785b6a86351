package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunIsolationPipe runs the real CLI: `ringfence run --isolation pipe`
// on the example worker, one good request and one that makes it call
// openat, and on a dynamic binary.
func TestRunIsolationPipe(t *testing.T) {
	dir := t.TempDir()
	cli := filepath.Join(dir, "ringfence")
	if b, err := exec.Command("go", "build", "-o", cli, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	wk := filepath.Join(dir, "pngworker")
	if b, err := exec.Command("gcc", "-static", "-O2", "-o", wk, "../../examples/pipe-worker/pngworker/pngworker.c").CombinedOutput(); err != nil {
		t.Fatalf("gcc -static (needs gcc and libc6-dev): %v\n%s", err, b)
	}
	frame := func(p []byte) []byte { return append(binary.BigEndian.AppendUint32(nil, uint32(len(p))), p...) }
	// A 1x1 PNG's signature and IHDR (CRC 0x1f15c489).
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	cmd := exec.Command(cli, "run", "--isolation", "pipe", "--", wk)
	cmd.Stdin = bytes.NewReader(append(frame(png), frame([]byte("EVILo"))...))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 137 {
		t.Errorf("exit: %v, want status 137 (SIGKILL)\nstderr: %s", err, stderr.String())
	}
	if want := string(frame([]byte("ok width=1 height=1 depth=8 colour=6"))); stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if !strings.Contains(stderr.String(), `killed openat(dirfd=AT_FDCWD, path="/etc/passwd"`) {
		t.Errorf("stderr does not report the openat kill:\n%s", stderr.String())
	}
	out, err := exec.Command(cli, "run", "--isolation", "pipe", "--", "/bin/true").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "static") {
		t.Errorf("dynamic binary: %v %s, want a refusal asking for a static binary", err, out)
	}
	out, err = exec.Command(cli, "run", "--isolation", "pipe", "--ro-bind", "/etc", "--", wk).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "drop --ro-bind") {
		t.Errorf("--ro-bind with pipe isolation: %v %s", err, out)
	}
}
