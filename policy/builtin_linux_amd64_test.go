package policy

import (
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/internal/testchild"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// The child's raw system calls are written for x86_64 (hence the file name).
func TestMain(m *testing.M) {
	testchild.Main(m, map[string]func() error{"default": childDefault})
}

// TestBuiltinDefaultKernel compiles the default policy, installs it in a
// child and makes the kernel decide: the denials return the policy's errno
// and ordinary work (including exec) goes on.
func TestBuiltinDefaultKernel(t *testing.T) {
	out := testchild.Run(t, "default")
	if !strings.Contains(out, "exec ok") {
		t.Fatalf("child did not exec under the filter:\n%s", out)
	}
}

func childDefault() error {
	p, err := Builtin("default")
	if err != nil {
		return err
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		return err
	}
	if _, err := prog.Install(0); err != nil {
		return err
	}
	c := func(name string) uintptr {
		nr, ok := syscalls.Number(syscalls.Native, name)
		if !ok {
			panic(name)
		}
		return uintptr(nr)
	}
	k := func(name string) uintptr {
		v, ok := syscalls.Constant(name)
		if !ok {
			panic(name)
		}
		return uintptr(v)
	}
	const garbage = 0xdeadbeef_00000000
	checks := []struct {
		what string
		nr   uintptr
		args [6]uintptr
		want syscall.Errno // the errno the call must get; 0 for success
	}{
		{"ptrace", c("ptrace"), [6]uintptr{unix.PTRACE_PEEKDATA, 1}, unix.EPERM},
		{"clone3", c("clone3"), [6]uintptr{0, 0}, unix.ENOSYS},
		{"unshare(CLONE_NEWUSER)", c("unshare"), [6]uintptr{k("CLONE_NEWUSER")}, unix.EPERM},
		{"socket(AF_ALG)", c("socket"), [6]uintptr{k("AF_ALG"), k("SOCK_SEQPACKET")}, unix.EAFNOSUPPORT},
		{"socket(AF_VSOCK) with garbage", c("socket"), [6]uintptr{garbage | k("AF_VSOCK"), k("SOCK_STREAM")}, unix.EAFNOSUPPORT},
		{"ioctl(TIOCSTI) with garbage", c("ioctl"), [6]uintptr{^uintptr(0), garbage | k("TIOCSTI")}, unix.EPERM},
		{"personality(READ_IMPLIES_EXEC)", c("personality"), [6]uintptr{k("READ_IMPLIES_EXEC")}, unix.EPERM},
		{"io_uring_setup", c("io_uring_setup"), [6]uintptr{1, 0}, unix.EPERM},
		{"bpf", c("bpf"), [6]uintptr{0, 0, 0}, unix.EPERM},
		{"syscall 1000 (unknown to the tables)", 1000, [6]uintptr{}, unix.ENOSYS},
		{"personality(query)", c("personality"), [6]uintptr{0xffffffff}, 0},
		{"getpid", c("getpid"), [6]uintptr{}, 0},
		{"ioctl(TCGETS) on a bad fd", c("ioctl"), [6]uintptr{^uintptr(0), k("TCGETS"), 0}, unix.EBADF},
	}
	for _, ch := range checks {
		_, _, e := unix.RawSyscall6(ch.nr, ch.args[0], ch.args[1], ch.args[2], ch.args[3], ch.args[4], ch.args[5])
		if e != ch.want {
			return fmt.Errorf("%s: errno %d (%v), want %d (%v)", ch.what, e, e, ch.want, ch.want)
		}
	}
	out, err := exec.Command("/bin/true").CombinedOutput()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("/bin/true under the default policy: %v %s", err, out)
		}
		return err
	}
	fmt.Println("exec ok")
	return nil
}
