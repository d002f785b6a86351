package seccomp_test

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/internal/testchild"
	"github.com/ringfence/ringfence/seccomp"
)

func TestMain(m *testing.M) {
	testchild.Main(m, map[string]func() error{
		"docker":   childDocker,
		"tsync":    childTSync,
		"listener": childListener,
	})
}

// childDocker installs Docker's default profile, checks a few of its
// denials, then execs /bin/true under it.
func childDocker() error {
	p, err := loadDockerErr(false)
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
	for _, c := range []struct {
		nr   uintptr
		want syscall.Errno
	}{
		{unix.SYS_UNSHARE, unix.EPERM},     // CAP_SYS_ADMIN only
		{unix.SYS_MOUNT, unix.EPERM},       // not in the profile
		{unix.SYS_CLONE3, unix.ENOSYS},     // errnoRet 38, so libc falls back to clone
		{unix.SYS_SOCKET, unix.EPERM},      // AF_VSOCK (40) is the one family refused
		{unix.SYS_PERSONALITY, unix.EPERM}, // only a few personalities
	} {
		var a0 uintptr
		switch c.nr {
		case unix.SYS_SOCKET:
			a0 = 40
		case unix.SYS_PERSONALITY:
			a0 = 0x0004 // not in the list
		case unix.SYS_UNSHARE:
			a0 = unix.CLONE_NEWNS
		}
		_, _, errno := unix.RawSyscall6(c.nr, a0, 0, 0, 0, 0, 0)
		if errno != c.want {
			return fmt.Errorf("syscall %d(%#x) under Docker's profile: errno %v, want %v", c.nr, a0, errno, c.want)
		}
	}
	// personality(0xffffffff) queries and is allowed
	if _, _, errno := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0); errno != 0 {
		return fmt.Errorf("personality(0xffffffff) denied: %v", errno)
	}
	return syscall.Exec("/bin/true", []string{"true"}, os.Environ())
}

func TestInstallDockerProfile(t *testing.T) {
	testchild.Run(t, "docker")
}

// childTSync: a thread started before the install is filtered too.
func childTSync() error {
	ready, done := make(chan struct{}), make(chan syscall.Errno)
	go func() {
		runtime.LockOSThread()
		ready <- struct{}{}
		<-ready
		_, _, errno := unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
		done <- errno
	}()
	<-ready
	p := &seccomp.Policy{Default: seccomp.Allow, Rules: []seccomp.Rule{{Syscall: "getppid", Action: seccomp.Errno(uint16(unix.EXDEV))}}}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		return err
	}
	if fd, err := prog.Install(0); err != nil || fd != -1 {
		return fmt.Errorf("Install: fd %d, %v", fd, err)
	}
	ready <- struct{}{}
	if errno := <-done; errno != unix.EXDEV {
		return fmt.Errorf("getppid on a thread started before the install: errno %v, want EXDEV (TSYNC)", errno)
	}
	return nil
}

func TestInstallTSync(t *testing.T) { testchild.Run(t, "tsync") }

// childListener: NEW_LISTENER returns a notification fd; a second listener
// in the same filter stack is refused with EBUSY, and the error wraps it.
func childListener() error {
	p := &seccomp.Policy{Default: seccomp.Allow, Rules: []seccomp.Rule{{Syscall: "getppid", Action: seccomp.Notify}}}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		return err
	}
	fd, err := prog.Install(seccomp.InstallNewListener)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if fd < 0 || unix.Fstat(fd, &st) != nil {
		return fmt.Errorf("NEW_LISTENER returned fd %d, not an open file", fd)
	}
	_, err = prog.Install(seccomp.InstallNewListener)
	if !errors.Is(err, unix.EBUSY) {
		return fmt.Errorf("second listener: %v, want an error wrapping EBUSY", err)
	}
	fmt.Println(err)
	return nil
}

func TestInstallListener(t *testing.T) {
	out := testchild.Run(t, "listener")
	t.Logf("second listener refused as expected: %s", out)
}

func TestInstallRejectsInvalid(t *testing.T) {
	// Validation happens before any syscall, so this is safe in-process.
	_, err := seccomp.InstallRaw(nil, 0)
	if err == nil {
		t.Fatal("InstallRaw(nil) succeeded")
	}
}
