package sandbox

import (
	"fmt"
	"os"
	"path/filepath"

	"unsafe"

	"golang.org/x/sys/unix"
)

// Landlock rules match the file system view:
//
//	/                      read files, read directories
//	read-only places       + execute (every top-level entry that holds no
//	                         writable mount; split further where one does)
//	/tmp, /dev/shm, --bind,
//	--tmpfs                read, write, create, remove, rename, truncate;
//	                         never execute
//	/dev                   + write and truncate files, device ioctls
//
// Rights are additive down the tree, so execute cannot be granted at / and
// taken away at /tmp: it is granted at the read-only siblings instead.
// ABI 6 scopes (abstract unix sockets, signals) keep CMD from reaching
// processes outside its domain.
//
// The ruleset is built here with raw system calls and x/sys/unix's
// constants (create_ruleset and add_rule are not per-thread);
// restrict_self is per-thread and must happen in CMD's own thread after
// fork, so the C gate makes it. Why not go-landlock: its high-level API
// restricts the calling Go process (every thread), which is not what we
// need, and its syscall layer links libcap's psx, which wraps
// pthread_create in every binary that imports this package; the
// constants and structs it would give us are in x/sys/unix.

// maxLandlockABI is the newest Landlock ABI whose rights this code knows.
const maxLandlockABI = 7

// landlockABI is the running kernel's Landlock ABI, 0 without Landlock.
func landlockABI() int {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(v)
}

// handledFS is the set of file system rights an ABI version knows.
func handledFS(abi int) uint64 {
	h := uint64(unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR |
		unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE | unix.LANDLOCK_ACCESS_FS_MAKE_CHAR | unix.LANDLOCK_ACCESS_FS_MAKE_DIR |
		unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_MAKE_FIFO | unix.LANDLOCK_ACCESS_FS_MAKE_BLOCK | unix.LANDLOCK_ACCESS_FS_MAKE_SYM)
	if abi >= 2 {
		h |= unix.LANDLOCK_ACCESS_FS_REFER
	}
	if abi >= 3 {
		h |= unix.LANDLOCK_ACCESS_FS_TRUNCATE
	}
	if abi >= 5 {
		h |= unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
	}
	return h
}

const (
	rightsRead  = unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_READ_DIR
	rightsWrite = rightsRead | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_REMOVE_DIR | unix.LANDLOCK_ACCESS_FS_REMOVE_FILE |
		unix.LANDLOCK_ACCESS_FS_MAKE_DIR | unix.LANDLOCK_ACCESS_FS_MAKE_REG | unix.LANDLOCK_ACCESS_FS_MAKE_SOCK | unix.LANDLOCK_ACCESS_FS_MAKE_FIFO |
		unix.LANDLOCK_ACCESS_FS_MAKE_SYM | unix.LANDLOCK_ACCESS_FS_REFER | unix.LANDLOCK_ACCESS_FS_TRUNCATE
	rightsDev = rightsRead | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
)

// checkLandlock refuses to start when Landlock is required and missing.
func checkLandlock(mode LandlockMode) error {
	if mode == LandlockRequired && landlockABI() < 1 {
		return fmt.Errorf("sandbox: Landlock is required but this kernel does not offer it (not built in, or not in the lsm= boot list): drop --require landlock, or use --no-landlock")
	}
	return nil
}

// stageLandlock builds the ruleset for the final view (after pivot_root).
func (st *initState) stageLandlock() error {
	mode := st.ic.Config.Landlock
	if mode == LandlockOff {
		return nil
	}
	abi := landlockABI()
	if abi < 1 {
		if mode == LandlockRequired {
			return &StageError{Stage: "landlock", Op: "landlock_create_ruleset", Errno: unix.EOPNOTSUPP, Msg: "Landlock is required but not available"}
		}
		st.warn("Landlock is not available on this kernel: running without file system rules (best effort)")
		return nil
	}
	abi = min(abi, maxLandlockABI)
	handled := handledFS(abi)
	attr := unix.LandlockRulesetAttr{Handled_access_fs: handled}
	size := unsafe.Offsetof(attr.Scoped) // ABI 1-5 struct
	if abi >= 6 {
		attr.Scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		size = unsafe.Offsetof(attr.Quiet_access_fs)
	}
	r, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, uintptr(unsafe.Pointer(&attr)), size, 0)
	if e != 0 {
		return &StageError{Stage: "landlock", Op: "landlock_create_ruleset", Errno: e}
	}
	fd := int(r)
	st.landlock = fd
	add := func(path string, rights uint64) error {
		pfd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			return &StageError{Stage: "landlock", Op: "open", Path: path, Errno: errnoOf(err)}
		}
		defer unix.Close(pfd)
		var fi unix.Stat_t
		if err := unix.Fstat(pfd, &fi); err == nil && fi.Mode&unix.S_IFMT != unix.S_IFDIR {
			rights &= unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV
		}
		pb := unix.LandlockPathBeneathAttr{Allowed_access: rights & handled, Parent_fd: int32(pfd)}
		if _, _, e := unix.Syscall6(unix.SYS_LANDLOCK_ADD_RULE, uintptr(fd), unix.LANDLOCK_RULE_PATH_BENEATH,
			uintptr(unsafe.Pointer(&pb)), 0, 0, 0); e != 0 {
			return &StageError{Stage: "landlock", Op: "landlock_add_rule", Path: path, Errno: e}
		}
		return nil
	}
	if err := add("/", rightsRead); err != nil {
		return err
	}
	writable := writablePaths(&st.ic)
	// Read-only binds inside writable places (a program bound under /tmp)
	// are read-only places too.
	roInWritable := []string{}
	for _, p := range readOnlyBinds(&st.ic) {
		if underAny(p, writable) {
			roInWritable = append(roInWritable, p)
		}
	}
	for _, p := range append(execPaths("/", writable), roInWritable...) {
		if err := add(p, rightsRead|unix.LANDLOCK_ACCESS_FS_EXECUTE); err != nil {
			return err
		}
	}
	if !st.ic.Config.NoDefaultMounts {
		if err := add("/dev", rightsDev); err != nil {
			return err
		}
	}
	for _, p := range writable {
		if err := add(p, rightsWrite); err != nil {
			return err
		}
	}
	return nil
}

// noExecDirs never get execute: nothing there is a program.
var noExecDirs = []string{"/proc", "/dev", "/sys"}

// execPaths lists the paths under dir that get execute: every entry that
// is neither writable nor holds a writable mount, splitting directories
// that hold one.
func execPaths(dir string, writable []string) []string {
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if underAny(p, noExecDirs) || underAny(p, writable) {
			continue
		}
		if holdsAny(p, writable) {
			if e.IsDir() {
				out = append(out, execPaths(p, writable)...)
			}
			continue
		}
		out = append(out, p)
	}
	return out
}
