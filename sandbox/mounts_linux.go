package sandbox

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// The file system view is built bubblewrap-style: plan() turns the Config
// into an ordered list of mount operations (checked in one pass), and
// stageMounts runs them (in another). Here we are root in the sandbox's
// user namespace, in a private copy of the host's mount namespace.
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
// Bind sources (see type source): as root, detached mount trees cloned by
// the supervisor, so the sandbox's unprivileged host id never needs to
// reach them by path; rootless, paths that the init clones (with the
// caller's own permissions) before anything covers them.

const newRoot = "/tmp"

// Indexes of the opened sources.
const (
	srcRoot  = 0
	srcCwd   = 1
	srcBind0 = 2
)

// openSources returns a detached mount tree fd per source: the root, the
// cwd, then each mount (-1 for tmpfs).
func openSources(ic *initConfig) ([]int, error) {
	srcs := append([]source{ic.RootSrc, ic.CwdSrc}, ic.BindSrcs...)
	fds := make([]int, len(srcs))
	for i, s := range srcs {
		switch {
		case s.FD >= 0:
			fds[i] = s.FD
		case s.Path != "":
			fd, err := unix.OpenTree(unix.AT_FDCWD, s.Path, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
			if err != nil {
				return nil, mountErr("open_tree", s.Path, err)
			}
			fds[i] = fd
		default:
			fds[i] = -1
		}
	}
	return fds, nil
}

// mountOp is one step of the plan.
type mountOp struct {
	kind     string // "proc", "tmpfs", "bindfd", "dev", "readonly"
	dest     string // path inside the sandbox
	src      int    // bindfd: index into the opened sources
	readOnly bool
	noexec   bool
	optional bool // hidden directories: nothing to hide when a --rootfs lacks them
	size     int64
	mode     string
}

// devNodes are bound from the host's /dev into the minimal /dev.
var devNodes = []string{"null", "zero", "full", "random", "urandom", "tty"}

// plan is the ordered list of mount operations for ic.
func plan(ic *initConfig) ([]mountOp, error) {
	var ops []mountOp
	if ic.Config.NoDefaultMounts {
		return userMounts(ic, ops)
	}
	ops = append(ops,
		mountOp{kind: "proc", dest: "/proc"},
		mountOp{kind: "dev", dest: "/dev"},
		mountOp{kind: "tmpfs", dest: "/tmp", mode: "1777", noexec: true},
	)
	for _, d := range hiddenDirs {
		ops = append(ops, mountOp{kind: "tmpfs", dest: d, mode: "0755", optional: true})
	}
	user, err := userMounts(ic, nil)
	if err != nil {
		return nil, err
	}
	if bindCwd(ic.Cwd) {
		// The cwd goes after the user mounts above it (a --tmpfs /tmp must
		// not hide a cwd under /tmp) and before the others (a --bind ./out
		// must not be hidden by the cwd).
		var above, rest []mountOp
		for _, op := range user {
			if isStrictParent(op.dest, ic.Cwd) {
				above = append(above, op)
			} else {
				rest = append(rest, op)
			}
		}
		ops = append(ops, above...)
		ops = append(ops, mountOp{kind: "bindfd", dest: ic.Cwd, src: srcCwd, readOnly: true})
		user = rest
	}
	ops = append(ops, user...)
	// The hidden directories and /dev become read-only once the mount
	// points inside them exist.
	ops = append(ops, mountOp{kind: "readonly", dest: "/dev"})
	for _, d := range hiddenDirs {
		ops = append(ops, mountOp{kind: "readonly", dest: d, optional: true})
	}
	return ops, nil
}

// isStrictParent reports whether dir is a proper ancestor of path.
func isStrictParent(dir, path string) bool {
	dir, path = filepath.Clean(dir), filepath.Clean(path)
	if dir == path {
		return false
	}
	return dir == "/" || strings.HasPrefix(path, dir+"/")
}

// userMounts appends the operations for Config.Mounts.
func userMounts(ic *initConfig, ops []mountOp) ([]mountOp, error) {
	for i, m := range ic.Config.Mounts {
		dest := m.Dest
		if dest == "" {
			dest = m.Source
		}
		dest = filepath.Clean(dest)
		switch m.Kind {
		case MountTmpfs:
			ops = append(ops, mountOp{kind: "tmpfs", dest: dest, mode: "0755", size: m.Size, noexec: true})
		case MountBind, MountROBind:
			if i >= len(ic.BindSrcs) {
				return nil, fmt.Errorf("mount %d: no source", i)
			}
			ops = append(ops, mountOp{kind: "bindfd", dest: dest, src: srcBind0 + i,
				readOnly: m.Kind == MountROBind, noexec: m.Kind == MountBind})
		}
	}
	return ops, nil
}

// writablePaths are the places CMD may write: what Landlock allows.
func writablePaths(ic *initConfig) []string {
	w := []string{"/tmp", "/dev/shm"}
	if ic.Config.NoDefaultMounts {
		w = nil
	}
	for _, m := range ic.Config.Mounts {
		if m.Writable() {
			d := m.Dest
			if d == "" {
				d = m.Source
			}
			w = append(w, filepath.Clean(d))
		}
	}
	return w
}

// readOnlyBinds are the destinations of the cwd and the read-only binds.
func readOnlyBinds(ic *initConfig) []string {
	var out []string
	if bindCwd(ic.Cwd) && !ic.Config.NoDefaultMounts {
		out = append(out, ic.Cwd)
	}
	for _, m := range ic.Config.Mounts {
		if m.Kind == MountROBind {
			d := m.Dest
			if d == "" {
				d = m.Source
			}
			out = append(out, filepath.Clean(d))
		}
	}
	return out
}

func (st *initState) stageMounts() error {
	ops, err := plan(&st.ic)
	if err != nil {
		return &StageError{Stage: "mounts", Op: "plan", Msg: err.Error()}
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return mountErr("make / private", "/", err)
	}
	trees, err := openSources(&st.ic)
	if err != nil {
		return err
	}
	// The new root: a recursive read-only clone of the host's root (or
	// RootFS), attached at the staging point.
	if err := attachTree(trees[srcRoot], newRoot, true, false); err != nil {
		return err
	}
	for _, op := range ops {
		if err := runOp(op, trees); err != nil {
			return err
		}
	}
	for _, fd := range trees[1:] { // attached ones are closed already
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	// pivot_root(".", ".") stacks the old root on top of the new one;
	// the lazy unmount then takes it away for good.
	if err := unix.Chdir(newRoot); err != nil {
		return mountErr("chdir", newRoot, err)
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return mountErr("pivot_root", newRoot, err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return mountErr("detach old root", "/", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return mountErr("chdir", "/", err)
	}
	return nil
}

func mountErr(op, path string, err error) error {
	return &StageError{Stage: "mounts", Op: op, Path: path, Errno: errnoOf(err), Msg: msgOf(err)}
}

func msgOf(err error) string {
	if errnoOf(err) != 0 {
		return ""
	}
	return err.Error()
}

// runOp runs one operation; a bindfd op consumes (closes) its tree.
func runOp(op mountOp, trees []int) error {
	dst := newRoot + op.dest
	flags := uintptr(unix.MS_NOSUID | unix.MS_NODEV)
	if op.noexec {
		flags |= unix.MS_NOEXEC
	}
	if op.optional {
		if _, err := os.Lstat(dst); err != nil {
			return nil
		}
	}
	switch op.kind {
	case "proc":
		if err := unix.Mount("proc", dst, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
			return mountErr("mount proc", op.dest, err)
		}
	case "tmpfs":
		if err := ensureDir(dst); err != nil {
			return mountErr("create mount point", op.dest, err)
		}
		data := "mode=" + op.mode
		if op.size > 0 {
			data += ",size=" + strconv.FormatInt(op.size, 10)
		}
		if err := unix.Mount("tmpfs", dst, "tmpfs", flags, data); err != nil {
			return mountErr("mount tmpfs", op.dest, err)
		}
	case "bindfd":
		var fi unix.Stat_t
		tree := trees[op.src]
		if err := unix.Fstat(tree, &fi); err != nil {
			return mountErr("stat bind source", op.dest, err)
		}
		isDir := fi.Mode&unix.S_IFMT == unix.S_IFDIR
		if err := ensureMountPoint(dst, isDir); err != nil {
			return mountErr("create mount point", op.dest, err)
		}
		trees[op.src] = -1
		if err := attachTree(tree, dst, op.readOnly, op.noexec); err != nil {
			return err
		}
	case "dev":
		return mountDev(dst)
	case "readonly":
		if err := setAttr(dst, unix.MOUNT_ATTR_RDONLY, false); err != nil {
			return mountErr("make read-only", op.dest, err)
		}
	default:
		return fmt.Errorf("unknown mount op %q", op.kind)
	}
	return nil
}

// mountDev builds the minimal /dev: a tmpfs with host null, zero, full,
// random, urandom and tty bound in, a new devpts instance, /dev/shm and
// the usual symlinks.
func mountDev(dst string) error {
	if err := unix.Mount("tmpfs", dst, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=65536"); err != nil {
		return mountErr("mount tmpfs", "/dev", err)
	}
	for _, n := range devNodes {
		p := dst + "/" + n
		if err := os.WriteFile(p, nil, 0o666); err != nil {
			return mountErr("create", "/dev/"+n, err)
		}
		if err := unix.Mount("/dev/"+n, p, "", unix.MS_BIND, ""); err != nil {
			return mountErr("bind", "/dev/"+n, err)
		}
	}
	for _, d := range []string{"pts", "shm"} {
		if err := os.Mkdir(dst+"/"+d, 0o755); err != nil {
			return mountErr("mkdir", "/dev/"+d, err)
		}
	}
	if err := unix.Mount("devpts", dst+"/pts", "devpts", unix.MS_NOSUID|unix.MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620"); err != nil {
		return mountErr("mount devpts", "/dev/pts", err)
	}
	if err := unix.Mount("tmpfs", dst+"/shm", "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777"); err != nil {
		return mountErr("mount tmpfs", "/dev/shm", err)
	}
	links := [][2]string{{"ptmx", "pts/ptmx"}, {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"},
		{"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}}
	for _, l := range links {
		if err := os.Symlink(l[1], dst+"/"+l[0]); err != nil {
			return mountErr("symlink", "/dev/"+l[0], err)
		}
	}
	return nil
}

// attachTree applies the attributes to every mount of a detached tree in
// one call and attaches it at dst.
func attachTree(tree int, dst string, readOnly, noexec bool) error {
	defer unix.Close(tree)
	set := uint64(unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV)
	if readOnly {
		set |= unix.MOUNT_ATTR_RDONLY
	}
	if noexec {
		set |= unix.MOUNT_ATTR_NOEXEC
	}
	attr := &unix.MountAttr{Attr_set: set, Propagation: unix.MS_PRIVATE}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, attr); err != nil {
		return mountErr("mount_setattr", dst, err)
	}
	if err := unix.MoveMount(tree, "", unix.AT_FDCWD, dst, unix.MOVE_MOUNT_F_EMPTY_PATH); err != nil {
		return mountErr("move_mount", strings.TrimPrefix(dst, newRoot), err)
	}
	return nil
}

func setAttr(path string, set uint64, recursive bool) error {
	flags := 0
	if recursive {
		flags = unix.AT_RECURSIVE
	}
	return unix.MountSetattr(unix.AT_FDCWD, path, uint(flags), &unix.MountAttr{Attr_set: set})
}

func ensureDir(p string) error {
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(p, 0o755); err != nil {
		if errnoOf(err) == unix.EROFS {
			return fmt.Errorf("it does not exist, and its parent is in the read-only root: put it under /tmp, /home, /root, /run or a --tmpfs")
		}
		return err
	}
	return nil
}

func ensureMountPoint(p string, dir bool) error {
	if dir {
		return ensureDir(p)
	}
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := ensureDir(filepath.Dir(p)); err != nil {
		return err
	}
	return os.WriteFile(p, nil, 0o644)
}
