package sandbox

import (
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The file system view is built bubblewrap-style: plan turns the Config
// into an ordered list of operations (checked here, in Go), and the C init
// runs them (init_linux.c, run_op) as root of the sandbox's user namespace,
// in its private copy of the host's mount namespace.
//
// Choice: the host root is bound recursively and read-only in a single
// step with open_tree(OPEN_TREE_CLONE|AT_RECURSIVE) + mount_setattr
// (AT_RECURSIVE, MOUNT_ATTR_RDONLY|NOSUID|NODEV) (Linux 5.12), instead of
// bwrap's per-submount remounts or individual binds of /usr /bin /lib*:
// one call makes every submount read-only, whatever the host has mounted.
// The tree is attached at /tmp of our private namespace (the staging point,
// as in bwrap), the defaults are mounted over it (fresh /proc, minimal
// /dev, private /tmp, empty /home /root /run), then the cwd and the user's
// mounts, then pivot_root(".", ".") and a lazy unmount of the old root.
//
// Bind sources (the tree slots): as root, detached mount trees cloned by
// the supervisor, so the sandbox's unprivileged host id never needs to
// reach them by path; rootless, paths that the init clones (with the
// caller's own permissions) first thing, before anything covers them.

const newRoot = "/tmp"

// Tree slots: the root, the cwd, then one per Config.Mounts entry.
const (
	slotRoot  = 0
	slotCwd   = 1
	slotBind0 = 2
)

// opKind mirrors enum rf_op_kind (init_linux.h).
type opKind int

const (
	opPrivate opKind = iota + 1
	opOpenTree
	opAttach
	opMount
	opBind
	opMkdir
	opSymlink
	opSetAttr
	opPivot
	opProc
)

// fsOp is one step of the plan; it mirrors struct rf_op.
type fsOp struct {
	kind     opKind
	optional bool // skip when path does not exist (a --rootfs without /home)
	slot     int
	mode     uint32
	flags    uintptr
	attr     uint64
	path     string // where the init acts: under newRoot until the pivot
	source   string
	fstype   string
	data     string
	// dest is the path inside the sandbox, for messages.
	dest string
}

// layout is what the plan is made from: the Config and what the supervisor
// resolved on the host.
type layout struct {
	cfg *Config
	cwd string // the caller's working directory (absolute)
	// sources[slot] is the absolute host path of each tree slot, "" for
	// none (a tmpfs, an unbound cwd).
	sources []string
	// initClones: the init clones the sources itself (rootless) instead of
	// receiving detached trees from the supervisor (root).
	initClones bool
}

// devNodes are bound from the host's /dev into the minimal /dev.
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// plan is the ordered list of operations that builds the view for l.
func plan(l *layout) []fsOp {
	ops := []fsOp{{kind: opPrivate, path: "/", dest: "/"}}
	if l.initClones {
		for slot, src := range l.sources {
			if src != "" {
				ops = append(ops, fsOp{kind: opOpenTree, slot: slot, path: src, dest: src})
			}
		}
	}
	ops = append(ops, attach(slotRoot, "/", true, false))
	for _, m := range viewMounts(l) {
		ops = append(ops, m.lower()...)
	}
	return append(ops, fsOp{kind: opPivot, path: newRoot, dest: "/"})
}

// attach attaches a tree slot at dest with every submount nosuid and nodev.
func attach(slot int, dest string, readOnly, noexec bool) fsOp {
	attr := uint64(unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV)
	if readOnly {
		attr |= unix.MOUNT_ATTR_RDONLY
	}
	if noexec {
		attr |= unix.MOUNT_ATTR_NOEXEC
	}
	return fsOp{kind: opAttach, slot: slot, path: staged(dest), dest: dest, attr: attr}
}

// staged is where dest is before the pivot.
func staged(dest string) string {
	if dest == "/" {
		return newRoot
	}
	return newRoot + dest
}

// viewMount is one entry of the view above the root, before lowering.
type viewMount struct {
	kind     string // "proc", "sysfs", "tmpfs", "bind", "dev", "readonly"
	dest     string
	slot     int
	readOnly bool
	noexec   bool
	optional bool
	size     int64
	mode     string
}

// viewMounts lists the mounts over the root, in order.
func viewMounts(l *layout) []viewMount {
	user := userMounts(l.cfg)
	if l.cfg.NoDefaultMounts {
		return user
	}
	ms := []viewMount{
		{kind: "proc", dest: "/proc"},
		{kind: "dev", dest: "/dev"},
	}
	if l.cfg.Net == NetNone {
		// A sysfs of the sandbox's own network namespace: /sys/class/net
		// shows lo only, not the host's interfaces and their addresses.
		// Optional: a --rootfs may have no /sys.
		ms = append(ms, viewMount{kind: "sysfs", dest: "/sys", optional: true})
	}
	ms = append(ms, []viewMount{
		{kind: "tmpfs", dest: "/tmp", mode: "1777", noexec: true},
	}...)
	for _, d := range hiddenDirs {
		ms = append(ms, viewMount{kind: "tmpfs", dest: d, mode: "0755", optional: true})
	}
	if bindCwd(l.cwd) {
		// The cwd goes after the user mounts above it (a --tmpfs /tmp must
		// not hide a cwd under /tmp) and before the others (a --bind ./out
		// must not be hidden by the cwd).
		var above, rest []viewMount
		for _, m := range user {
			if isStrictParent(m.dest, l.cwd) {
				above = append(above, m)
			} else {
				rest = append(rest, m)
			}
		}
		ms = append(ms, above...)
		ms = append(ms, viewMount{kind: "bind", dest: l.cwd, slot: slotCwd, readOnly: true})
		user = rest
	}
	ms = append(ms, user...)
	// The hidden directories and /dev become read-only once the mount
	// points inside them exist.
	ms = append(ms, viewMount{kind: "readonly", dest: "/dev"})
	for _, d := range hiddenDirs {
		ms = append(ms, viewMount{kind: "readonly", dest: d, optional: true})
	}
	return ms
}

// userMounts are Config.Mounts as view mounts.
func userMounts(cfg *Config) []viewMount {
	var ms []viewMount
	for i, m := range cfg.Mounts {
		dest := mountDest(m)
		switch m.Kind {
		case MountTmpfs:
			ms = append(ms, viewMount{kind: "tmpfs", dest: dest, mode: "0755", size: m.Size, noexec: true})
		case MountBind, MountROBind:
			ms = append(ms, viewMount{kind: "bind", dest: dest, slot: slotBind0 + i,
				readOnly: m.Kind == MountROBind, noexec: m.Kind == MountBind})
		}
	}
	return ms
}

func mountDest(m Mount) string {
	if m.Dest == "" {
		return filepath.Clean(m.Source)
	}
	return filepath.Clean(m.Dest)
}

// lower turns a view mount into the init's operations.
func (m viewMount) lower() []fsOp {
	dst := staged(m.dest)
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
	if m.noexec {
		flags |= unix.MS_NOEXEC
	}
	switch m.kind {
	case "proc":
		return []fsOp{{kind: opProc, path: dst, dest: m.dest}}
	case "sysfs":
		return []fsOp{{kind: opMount, path: dst, dest: m.dest, source: "sysfs", fstype: "sysfs",
			flags: unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, optional: m.optional}}
	case "tmpfs":
		data := "mode=" + m.mode
		if m.size > 0 {
			data += ",size=" + strconv.FormatInt(m.size, 10)
		}
		return []fsOp{{kind: opMount, path: dst, dest: m.dest, source: "tmpfs", fstype: "tmpfs",
			flags: flags, data: data, optional: m.optional}}
	case "bind":
		return []fsOp{attach(m.slot, m.dest, m.readOnly, m.noexec)}
	case "dev":
		return devOps(m.dest)
	case "readonly":
		return []fsOp{{kind: opSetAttr, path: dst, dest: m.dest, attr: unix.MOUNT_ATTR_RDONLY, optional: m.optional}}
	}
	panic("sandbox: unknown view mount " + m.kind) // a broken invariant: viewMounts makes only these
}

// devOps build the minimal /dev: a tmpfs with host null, zero, full,
// random, urandom and tty bound in, a new devpts instance, /dev/shm and the
// usual symlinks.
func devOps(dest string) []fsOp {
	dst := staged(dest)
	ops := []fsOp{{kind: opMount, path: dst, dest: dest, source: "tmpfs", fstype: "tmpfs",
		flags: unix.MS_NOSUID | unix.MS_NOEXEC, data: "mode=0755,size=65536"}}
	for _, n := range devNodes {
		ops = append(ops, fsOp{kind: opBind, path: dst + "/" + n, dest: dest + "/" + n, source: "/dev/" + n})
	}
	for _, d := range []string{"pts", "shm"} {
		ops = append(ops, fsOp{kind: opMkdir, path: dst + "/" + d, dest: dest + "/" + d, mode: 0o755})
	}
	ops = append(ops,
		fsOp{kind: opMount, path: dst + "/pts", dest: dest + "/pts", source: "devpts", fstype: "devpts",
			flags: unix.MS_NOSUID | unix.MS_NOEXEC, data: "newinstance,ptmxmode=0666,mode=620"},
		fsOp{kind: opMount, path: dst + "/shm", dest: dest + "/shm", source: "tmpfs", fstype: "tmpfs",
			flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, data: "mode=1777"})
	links := [][2]string{{"ptmx", "pts/ptmx"}, {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}}
	for _, l := range links {
		ops = append(ops, fsOp{kind: opSymlink, path: dst + "/" + l[0], dest: dest + "/" + l[0], source: l[1]})
	}
	return ops
}

// isStrictParent reports whether dir is a proper ancestor of path.
func isStrictParent(dir, path string) bool {
	dir, path = filepath.Clean(dir), filepath.Clean(path)
	if dir == path {
		return false
	}
	return dir == "/" || strings.HasPrefix(path, dir+"/")
}

// writablePaths are the places CMD may write: what Landlock allows.
func writablePaths(cfg *Config) []string {
	w := []string{"/tmp", "/dev/shm"}
	if cfg.NoDefaultMounts {
		w = nil
	}
	for _, m := range cfg.Mounts {
		if m.Writable() {
			w = append(w, mountDest(m))
		}
	}
	return w
}

// readOnlyBinds are the destinations of the cwd and the read-only binds.
func readOnlyBinds(cfg *Config, cwd string) []string {
	var out []string
	if bindCwd(cwd) && !cfg.NoDefaultMounts {
		out = append(out, cwd)
	}
	for _, m := range cfg.Mounts {
		if m.Kind == MountROBind {
			out = append(out, mountDest(m))
		}
	}
	return out
}

// mountStageError turns the init's report of a failed operation into an
// error that names the path inside the sandbox and says what to change.
func mountStageError(ops []fsOp, index int, what string, errno unix.Errno) *StageError {
	e := &StageError{Stage: "mounts", Op: what, Errno: errno}
	if index < 0 || index >= len(ops) {
		return e
	}
	op := ops[index]
	e.Path = op.dest
	switch {
	case op.kind == opMount && what == "mount":
		e.Op = "mount " + op.fstype
	case op.kind == opPrivate:
		e.Op = "make / private"
	}
	if what == "create mount point" && errno == unix.EROFS {
		e.Msg = "it does not exist, and its parent is in the read-only root: put it under /tmp, /home, /root, /run or a --tmpfs"
	}
	return e
}
