package sandbox

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func unixErrnoName(e syscall.Errno) string { return unix.ErrnoName(e) }
