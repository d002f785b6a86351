//go:build amd64 || arm64

// Docker's profile is checked on x86_64 and aarch64.

package oci

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/seccomp"
)

const loadChildEnv = "RINGFENCE_OCI_LOAD_CHILD"

// TestDockerProfileLoads compiles Docker's default profile as imported and
// installs it in a child process (filters are irrevocable): the kernel
// accepts it, the imported decisions hold (clone3 gets ENOSYS, AF_VSOCK
// sockets EPERM), and a shell still runs under it.
func TestDockerProfileLoads(t *testing.T) {
	if os.Getenv(loadChildEnv) != "" {
		loadChild()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDockerProfileLoads$", "-test.count=1")
	cmd.Env = append(os.Environ(), loadChildEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, want := range []string{"clone3: ENOSYS", "vsock: EPERM", "shell ran under the filter"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

func loadChild() {
	fail := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "child: "+format+"\n", args...)
		os.Exit(3)
	}
	data, err := os.ReadFile(dockerProfile)
	if err != nil {
		fail("%v", err)
	}
	p, _, err := Import(data, ImportOptions{})
	if err != nil {
		fail("import: %v", err)
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		fail("compile: %v", err)
	}
	if _, err := prog.Install(0); err != nil {
		fail("install (%d instructions): %v", prog.Len(), err)
	}
	_, _, e := unix.Syscall(unix.SYS_CLONE3, 0, 0, 0)
	os.Stdout.WriteString("clone3: " + unix.ErrnoName(e) + "\n")
	fd, _, e := unix.Syscall(unix.SYS_SOCKET, unix.AF_VSOCK, unix.SOCK_STREAM, 0)
	if e == 0 {
		unix.Close(int(fd))
	}
	os.Stdout.WriteString("vsock: " + unix.ErrnoName(e) + "\n")
	err = syscall.Exec("/bin/sh", []string{"sh", "-c", "echo shell ran under the filter"}, os.Environ())
	fail("exec: %v", err)
}
