package escape

import (
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
