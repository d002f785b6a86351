package main

import (
	"github.com/ringfence/ringfence/internal/asroot"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// cliEnv makes the test binary act as the ringfence CLI (for runs as
// another user).
const cliEnv = "RINGFENCE_TEST_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(cliEnv) == "1" {
		os.Exit(execute(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// asNobody runs the CLI as uid/gid 65534 from a copy of this test binary
// that nobody can execute.
func asNobody(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	asroot.Require(t, "switching to uid 65534")
	// t.TempDir's parent is private to root: make one nobody can enter.
	dir, err := os.MkdirTemp("", "ringfence-rootless-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	bin := filepath.Join(dir, "ringfence")
	src, err := os.Open(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	dst.Close()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{cliEnv + "=1", "PATH=/usr/bin:/bin", "HOME=" + dir}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// TestRunRootless: an unprivileged user gets the same containment through
// the user namespace: root inside without capabilities, no_new_privs, the
// filter, reports of denials, the exit status passed through.
func TestRunRootless(t *testing.T) {
	code, out, errs := asNobody(t, "run", "--", "/bin/sh", "-c",
		"id -u; grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status; /usr/bin/unshare -U true; exit 3")
	if code != 3 {
		t.Fatalf("exit %d, want 3 (passed through)\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"0\n", "CapEff:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2"} {
		if !strings.Contains(out, want) {
			t.Errorf("rootless sandbox: %q missing from\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "ringfence: denied unshare(flags=CLONE_NEWUSER)") {
		t.Errorf("rootless: no denial report for unshare:\n%s", errs)
	}
	// A limit that needs a cgroup the user cannot create is refused, named.
	code, _, errs = asNobody(t, "run", "--memory", "64M", "--", "/bin/true")
	if code != exitSetupFail || !strings.Contains(errs, "--memory") {
		t.Errorf("rootless --memory: exit %d, stderr %s; want a refusal naming --memory", code, errs)
	}
}
