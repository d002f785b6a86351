package sandbox

import (
	"errors"
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

func unixErrnoName(e syscall.Errno) string { return unix.ErrnoName(e) }

// errnoOf is the errno inside err, 0 if none.
func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

// msgOf is err's text when it carries no errno (which StageError prints).
func msgOf(err error) string {
	if errnoOf(err) != 0 {
		return ""
	}
	return err.Error()
}

// memlockLimit is this process's RLIMIT_MEMLOCK (the sandbox's too), for
// messages.
func memlockLimit() string {
	var rl unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl) != nil {
		return "unknown"
	}
	if rl.Cur == unix.RLIM_INFINITY {
		return "unlimited"
	}
	return fmt.Sprintf("%d KiB", rl.Cur>>10)
}
