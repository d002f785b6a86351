package sandbox

import (
	"fmt"
	"syscall"

	"golang.org/x/sys/unix"
)

func unixErrnoName(e syscall.Errno) string { return unix.ErrnoName(e) }

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
