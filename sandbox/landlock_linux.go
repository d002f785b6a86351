package sandbox

import (
	"fmt"
	"sync"
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
// The rules are planned here, the ruleset is built by the C init in the
// final view (create_ruleset and add_rule are not per-thread), and
// restrict_self, which is per-thread, by the gate child in CMD's own thread. Why not go-landlock: its high-level API
// restricts the calling Go process (every thread), which is not what we
// need, and its syscall layer links libcap's psx, which wraps
// pthread_create in every binary that imports this package; the
// constants and structs it would give us are in x/sys/unix.

// maxLandlockABI is the newest Landlock ABI whose rights this code knows.
const maxLandlockABI = 7

// landlockABI is the running kernel's Landlock ABI, 0 without Landlock
// (asked once: it does not change while we run).
var landlockABI = sync.OnceValue(func() int {
	v, _, e := unix.Syscall(unix.SYS_LANDLOCK_CREATE_RULESET, 0, 0, unix.LANDLOCK_CREATE_RULESET_VERSION)
	if e != 0 {
		return 0
	}
	return int(v)
})

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

// landlockRules is the Landlock part of the init's plan: a ruleset of the
// handled rights, explicit rules, and the execute scan that the init makes
// of the final view (exec_scan in init_linux.c).
type landlockRules struct {
	handled, scoped      uint64
	attrSize             uintptr // struct landlock_ruleset_attr as this ABI knows it
	fileRights           uint64  // rights that apply to a file, not a directory
	execRights           uint64
	rules                []landlockRule
	writable, noExecDirs []string
}

type landlockRule struct {
	path   string
	rights uint64
}

// planLandlock is the ruleset for cfg's view on a kernel with Landlock ABI
// abi (>= 1).
func planLandlock(cfg *Config, cwd string, abi int) *landlockRules {
	abi = min(abi, maxLandlockABI)
	var attr unix.LandlockRulesetAttr
	r := &landlockRules{
		handled:    handledFS(abi),
		attrSize:   unsafe.Offsetof(attr.Scoped), // ABI 1-5 struct
		fileRights: unix.LANDLOCK_ACCESS_FS_EXECUTE | unix.LANDLOCK_ACCESS_FS_WRITE_FILE | unix.LANDLOCK_ACCESS_FS_READ_FILE | unix.LANDLOCK_ACCESS_FS_TRUNCATE | unix.LANDLOCK_ACCESS_FS_IOCTL_DEV,
		execRights: rightsRead | unix.LANDLOCK_ACCESS_FS_EXECUTE,
		writable:   writablePaths(cfg),
		noExecDirs: noExecDirs,
	}
	if abi >= 6 {
		r.scoped = unix.LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | unix.LANDLOCK_SCOPE_SIGNAL
		r.attrSize = unsafe.Offsetof(attr.Quiet_access_fs)
	}
	r.rules = append(r.rules, landlockRule{"/", rightsRead})
	// Read-only binds inside writable places (a program bound under /tmp)
	// are read-only places too.
	for _, p := range readOnlyBinds(cfg, cwd) {
		if underAny(p, r.writable) {
			r.rules = append(r.rules, landlockRule{p, r.execRights})
		}
	}
	if !cfg.NoDefaultMounts {
		r.rules = append(r.rules, landlockRule{"/dev", rightsDev})
	}
	for _, p := range r.writable {
		r.rules = append(r.rules, landlockRule{p, rightsWrite})
	}
	return r
}

// noExecDirs never get execute: nothing there is a program.
var noExecDirs = []string{"/proc", "/dev", "/sys"}
