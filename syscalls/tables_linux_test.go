package syscalls

import (
	"os"
	"runtime"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestNativeNumbersMatchKernel issues real syscalls by the numbers of the
// native table and checks the kernel answers as for those calls.
func TestNativeNumbersMatchKernel(t *testing.T) {
	nr := func(name string) uintptr {
		n, ok := Number(Native, name)
		if !ok {
			t.Fatalf("%s missing from the native (%v) table", name, Native)
		}
		return uintptr(n)
	}
	if pid, _, _ := syscall.RawSyscall(nr("getpid"), 0, 0, 0); int(pid) != os.Getpid() {
		t.Errorf("syscall getpid = %d, os.Getpid = %d", pid, os.Getpid())
	}
	if uid, _, _ := syscall.RawSyscall(nr("getuid"), 0, 0, 0); int(uid) != os.Getuid() {
		t.Errorf("syscall getuid = %d, os.Getuid = %d", uid, os.Getuid())
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if tid, _, _ := syscall.RawSyscall(nr("gettid"), 0, 0, 0); int(tid) != unix.Gettid() {
		t.Errorf("syscall gettid = %d, unix.Gettid = %d", tid, unix.Gettid())
	}
	// The highest number of the table is implemented by a kernel at least as
	// new as the headers (6.18 here); one past it is ENOSYS.
	_, _, e := syscall.RawSyscall(uintptr(MaxNumber(Native)+1), 0, 0, 0)
	if e != syscall.ENOSYS {
		t.Logf("syscall %d (one past the table) returned %v; the running kernel is newer than the %s headers", MaxNumber(Native)+1, e, HeaderVersion)
	}
}

// notInUAPI612 are names x/sys/unix knows that the 6.12 UAPI headers lack:
// EFSCORRUPTED is the kernel-internal name of EUCLEAN, EFTYPE came later.
var notInUAPI612 = map[string]bool{"EFSCORRUPTED": true, "EFTYPE": true}

func TestErrnoMatchesXSys(t *testing.T) {
	for v := uint16(1); v < 200; v++ {
		want := unix.ErrnoName(syscall.Errno(v))
		got, ok := ErrnoName(v)
		if notInUAPI612[want] {
			continue
		}
		if want == "" {
			if ok {
				t.Errorf("ErrnoName(%d) = %q, x/sys/unix knows none", v, got)
			}
			continue
		}
		if wv, ok := ErrnoValue(want); !ok || wv != v {
			t.Errorf("x/sys/unix names %d %s; ErrnoValue(%s) = %d, %v", v, want, want, wv, ok)
		}
		if !ok {
			t.Errorf("ErrnoName(%d) missing, x/sys/unix says %s", v, want)
		}
	}
}
