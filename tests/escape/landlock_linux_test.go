package escape

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// landlockResolveUnix is LANDLOCK_ACCESS_FS_RESOLVE_UNIX, the Landlock right
// that controls connect(2) and sendmsg(2) to pathname UNIX sockets (the bit
// after LANDLOCK_ACCESS_FS_IOCTL_DEV; merged for Linux 7.1). Without it, no
// file system layer stops a connect to a socket the sandbox can see: a
// read-only mount does not, and neither do the older Landlock rights.
const landlockResolveUnix = 1 << 16

// landlockResolveUnixMissing names the feature when this kernel lacks it,
// by asking the kernel to handle the right in a new ruleset.
func landlockResolveUnixMissing() string {
	attr := struct{ fs, net, scoped uint64 }{fs: landlockResolveUnix}
	fd, _, errno := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), unsafe.Sizeof(attr), 0)
	if errno != 0 {
		return "Landlock's LANDLOCK_ACCESS_FS_RESOLVE_UNIX (landlock_create_ruleset: " + unix.ErrnoName(errno) + ")"
	}
	unix.Close(int(fd))
	return ""
}

// memfdNoexecUnsettable names why exec_memfd is not stopped where it is not:
// Landlock does not see memfds, and vm.memfd_noexec (per pid namespace,
// Linux 6.3+), which a sandbox started by root sets to 2, may be written
// only by global root, so a rootless sandbox cannot set it. As root the
// attack must be contained (the test fails otherwise).
func memfdNoexecUnsettable() string {
	if _, err := os.Stat("/proc/sys/vm/memfd_noexec"); err != nil {
		return "vm.memfd_noexec (Linux 6.3+), and Landlock does not cover memfds"
	}
	if os.Geteuid() != 0 {
		return "a way for an unprivileged user to set vm.memfd_noexec (only global root may write it; Landlock does not cover memfds): the rootless gap, see README.md"
	}
	return ""
}
