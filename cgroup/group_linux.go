package cgroup

import (
	"errors"
	"slices"

	"golang.org/x/sys/unix"
)

// accessWritable asks the kernel whether we may write path (access(2) sees
// read-only mounts and file modes as the caller's real ids).
func accessWritable(path string) bool { return unix.Access(path, unix.W_OK) == nil }

// kernelAtLeast compares the running kernel's release with major.minor.
func kernelAtLeast(major, minor int) bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var maj, min int
	rel := unix.ByteSliceToString(u.Release[:])
	i := 0
	for ; i < len(rel) && rel[i] >= '0' && rel[i] <= '9'; i++ {
		maj = maj*10 + int(rel[i]-'0')
	}
	if i < len(rel) && rel[i] == '.' {
		for i++; i < len(rel) && rel[i] >= '0' && rel[i] <= '9'; i++ {
			min = min*10 + int(rel[i]-'0')
		}
	}
	return maj > major || (maj == major && min >= minor)
}

// processAlive reports whether pid names a process (ours to signal or not).
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// isBusy reports EBUSY (a group that still has processes or children).
func isBusy(err error) bool { return errors.Is(err, unix.EBUSY) }

// killListed sends SIGKILL to each listed pid that is still in the group.
// Each pid is pinned by a pidfd first and only then checked against a fresh
// listing, so a pid that was recycled after the first listing is never hit.
// Kernels before 5.3 have no pidfd; then plain kill(2) is used.
func killListed(pids []int, current func() ([]int, error)) error {
	fds := make(map[int]int, len(pids))
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	for _, pid := range pids {
		fd, err := unix.PidfdOpen(pid, 0)
		switch {
		case err == nil:
			fds[pid] = fd
		case errors.Is(err, unix.ESRCH):
		case errors.Is(err, unix.ENOSYS):
			fds[pid] = -1
		default:
			return err
		}
	}
	now, err := current()
	if err != nil {
		return err
	}
	var errs []error
	for pid, fd := range fds {
		if !slices.Contains(now, pid) {
			continue
		}
		if fd < 0 {
			err = unix.Kill(pid, unix.SIGKILL)
		} else {
			err = unix.PidfdSendSignal(fd, unix.SIGKILL, nil, 0)
		}
		if err != nil && !errors.Is(err, unix.ESRCH) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// errBusy is EBUSY, for tests that play the kernel.
var errBusy error = unix.EBUSY
