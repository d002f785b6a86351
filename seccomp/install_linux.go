package seccomp

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
)

// Install loads the program into the current process: see InstallRaw.
func (p *Program) Install(flags InstallFlags) (notifyFD int, err error) {
	return InstallRaw(p.Instructions, flags)
}

// InstallRaw validates prog and loads it with seccomp(SECCOMP_SET_MODE_FILTER),
// after prctl(PR_SET_NO_NEW_PRIVS) unless flags has InstallHaveSysAdmin. It
// returns the user-notification fd when flags has InstallNewListener, else
// -1. Filters are irrevocable: the process (or thread, with InstallNoTSync)
// keeps it until it exits. Errors wrap the errno, so errors.Is(err,
// unix.EINVAL) and the like work.
func InstallRaw(prog []bpf.Instruction, flags InstallFlags) (notifyFD int, err error) {
	if err := bpf.Validate(prog); err != nil {
		return -1, fmt.Errorf("seccomp: not installing an invalid filter: %w", err)
	}
	var kflags uintptr
	if flags&InstallNoTSync == 0 {
		kflags |= unix.SECCOMP_FILTER_FLAG_TSYNC
		if flags&InstallNewListener != 0 {
			flags |= InstallTSyncESRCH
		}
	}
	for _, f := range []struct {
		mine   InstallFlags
		kernel uintptr
	}{
		{InstallLog, unix.SECCOMP_FILTER_FLAG_LOG},
		{InstallNewListener, unix.SECCOMP_FILTER_FLAG_NEW_LISTENER},
		{InstallSpecAllow, unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW},
		{InstallTSyncESRCH, unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH},
	} {
		if flags&f.mine != 0 {
			kflags |= f.kernel
		}
	}
	filter := make([]unix.SockFilter, len(prog))
	for i, ins := range prog {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}

	// no_new_privs is per thread; the filter must be installed from the
	// thread that has it (TSYNC then copies both to every thread).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if flags&InstallHaveSysAdmin == 0 {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return -1, fmt.Errorf("seccomp: prctl(PR_SET_NO_NEW_PRIVS): %w", err)
		}
	}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, kflags, uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(filter)
	if errno != 0 {
		return -1, installError(errno, flags, len(prog))
	}
	if kflags&unix.SECCOMP_FILTER_FLAG_TSYNC != 0 && kflags&unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH == 0 && r != 0 {
		return -1, fmt.Errorf("seccomp: TSYNC could not apply the filter to thread %d, which already has a filter this one does not extend: "+
			"install filters before starting threads that install their own", r)
	}
	if flags&InstallNewListener != 0 {
		return int(r), nil
	}
	return -1, nil
}

func installError(errno unix.Errno, flags InstallFlags, n int) error {
	hint := ""
	switch {
	case errors.Is(errno, unix.EACCES):
		hint = "the kernel requires no_new_privs or CAP_SYS_ADMIN: drop InstallHaveSysAdmin unless the caller really has CAP_SYS_ADMIN"
	case errors.Is(errno, unix.EINVAL):
		hint = fmt.Sprintf("the kernel refused the flags (%s) or the program: LOG needs Linux 4.14, SPEC_ALLOW 4.17, NEW_LISTENER 5.0, TSYNC_ESRCH 5.7; "+
			"or seccomp filters are not built in (CONFIG_SECCOMP_FILTER)", flags)
	case errors.Is(errno, unix.ENOMEM):
		hint = "the filters stacked on this process exceed the kernel's limit (32768 instructions in total, counting 4 per filter): install fewer filters"
	case errors.Is(errno, unix.EBUSY):
		hint = "a filter with a user-notification listener is already installed: only one listener per filter stack"
	case errors.Is(errno, unix.ESRCH):
		hint = "TSYNC could not apply the filter to another thread, which already has a filter this one does not extend"
	case errors.Is(errno, unix.EFAULT):
		hint = "the kernel could not read the program"
	case errors.Is(errno, unix.ENOSYS):
		hint = "this kernel has no seccomp(2) (CONFIG_SECCOMP)"
	}
	if hint != "" {
		hint = ": " + hint
	}
	return fmt.Errorf("seccomp: seccomp(SECCOMP_SET_MODE_FILTER, %s) with %d instructions: %w%s", flags, n, errno, hint)
}
