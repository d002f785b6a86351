package sandbox

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ringfence/ringfence/cgroup"
)

// MountKind is the kind of one extra mount.
type MountKind uint8

const (
	// MountROBind binds a host path read-only (--ro-bind).
	MountROBind MountKind = iota + 1
	// MountBind binds a host path writable (--bind).
	MountBind
	// MountTmpfs mounts an empty, writable tmpfs (--tmpfs).
	MountTmpfs
)

var mountKindNames = map[MountKind]string{MountROBind: "ro-bind", MountBind: "bind", MountTmpfs: "tmpfs"}

func (k MountKind) String() string {
	if n, ok := mountKindNames[k]; ok {
		return n
	}
	return fmt.Sprintf("mount-kind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k MountKind) MarshalText() ([]byte, error) {
	if _, ok := mountKindNames[k]; !ok {
		return nil, fmt.Errorf("unknown mount kind %d", uint8(k))
	}
	return []byte(k.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *MountKind) UnmarshalText(b []byte) error {
	return parseName(mountKindNames, k, b, "mount kind", "ro-bind, bind, tmpfs")
}

// Mount is one extra mount on top of the default filesystem view.
type Mount struct {
	Kind MountKind `json:"kind"`
	// Source is the host path for binds (absolute, or relative to the
	// caller's working directory); empty for tmpfs.
	Source string `json:"source,omitempty"`
	// Dest is the absolute path inside the sandbox. Empty means the same as
	// Source.
	Dest string `json:"dest"`
	// Size caps a tmpfs in bytes; 0 is the kernel default (half of RAM).
	Size int64 `json:"size,omitempty"`
}

// Writable reports whether the sandbox may write under the mount.
func (m Mount) Writable() bool { return m.Kind == MountBind || m.Kind == MountTmpfs }

// NetMode selects the network namespace.
type NetMode uint8

const (
	// NetNone (the zero value) gives the sandbox a new network namespace with
	// only a loopback interface, up.
	NetNone NetMode = iota
	// NetHost shares the host's network namespace (a loosening: logged).
	NetHost
)

func (n NetMode) String() string {
	if n == NetHost {
		return "host"
	}
	return "none"
}

// MarshalText implements encoding.TextMarshaler.
func (n NetMode) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (n *NetMode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "none", "":
		*n = NetNone
	case "host":
		*n = NetHost
	default:
		return fmt.Errorf("unknown network mode %q (known: none, host)", b)
	}
	return nil
}

// LandlockMode says how strictly Landlock must be applied.
type LandlockMode uint8

const (
	// LandlockBestEffort (the zero value) applies the strongest rules this
	// kernel supports and logs a warning when Landlock is missing.
	LandlockBestEffort LandlockMode = iota
	// LandlockRequired refuses to start without Landlock (--require landlock).
	LandlockRequired
	// LandlockOff applies no Landlock rules (--no-landlock; logged).
	LandlockOff
)

var landlockModeNames = map[LandlockMode]string{LandlockBestEffort: "best-effort", LandlockRequired: "required", LandlockOff: "off"}

func (m LandlockMode) String() string {
	if n, ok := landlockModeNames[m]; ok {
		return n
	}
	return fmt.Sprintf("landlock-mode(%d)", uint8(m))
}

// MarshalText implements encoding.TextMarshaler.
func (m LandlockMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (m *LandlockMode) UnmarshalText(b []byte) error {
	return parseName(landlockModeNames, m, b, "landlock mode", "best-effort, required, off")
}

// parseName sets *dst to the value whose name is b.
func parseName[T comparable](names map[T]string, dst *T, b []byte, what, known string) error {
	for v, n := range names {
		if n == string(b) {
			*dst = v
			return nil
		}
	}
	return fmt.Errorf("unknown %s %q (known: %s)", what, b, known)
}

// Rlimits are the resource limits set with setrlimit on CMD. Zero is unset.
type Rlimits struct {
	// Nofile is RLIMIT_NOFILE: the highest fd number + 1 (--nofile).
	Nofile uint64 `json:"nofile,omitempty"`
	// Fsize is RLIMIT_FSIZE: the largest file CMD may write, in bytes (--fsize).
	Fsize uint64 `json:"fsize,omitempty"`
	// CPUTime is RLIMIT_CPU: CPU seconds before SIGXCPU, then SIGKILL one
	// second later (--cpu-time).
	CPUTime uint64 `json:"cpu_time,omitempty"`
	// Nproc is RLIMIT_NPROC. It counts every process of the host uid CMD runs
	// as, not only the sandbox's, so it is an extra; use Limits.Pids.
	Nproc uint64 `json:"nproc,omitempty"`
	// AS is RLIMIT_AS: the largest address space CMD may map, in bytes (a
	// memory limit that needs no cgroup).
	AS uint64 `json:"as,omitempty"`
}

// Config is everything that shapes a sandbox. The zero value is the secure
// default of `ringfence run` with no flags, except that Filter must be set
// (or SeccompOff explicitly).
type Config struct {
	// Filter is the seccomp program: a raw struct sock_filter array
	// (bpf.Marshal). It is installed as the very last step before execve.
	Filter []byte `json:"filter,omitempty"`
	// SeccompOff runs without a filter (--seccomp=off; logged). Without it
	// a nil Filter makes Start refuse.
	SeccompOff bool `json:"seccomp_off,omitempty"`
	// Notify installs the filter with SECCOMP_FILTER_FLAG_NEW_LISTENER and
	// hands the listener to the supervisor as Cmd.NotifyFD.
	Notify bool `json:"notify,omitempty"`

	// RootFS is a directory used as / instead of the host's root (--rootfs).
	RootFS string `json:"rootfs,omitempty"`
	// Mounts are extra mounts, applied in order after the defaults.
	Mounts []Mount `json:"mounts,omitempty"`
	// NoDefaultMounts leaves out every default mount: no /proc, /dev, /tmp,
	// hidden directories or working-directory bind. The view is RootFS and
	// Mounts only, so RootFS is required (PipeIsolation uses it).
	NoDefaultMounts bool `json:"no_default_mounts,omitempty"`
	// Chdir is CMD's working directory inside the sandbox (--chdir). Empty
	// means the caller's working directory (Cmd.Dir or the process's), which
	// is bound read-only at the same path.
	Chdir string `json:"chdir,omitempty"`

	// Net is the network mode (--net).
	Net NetMode `json:"net,omitempty"`
	// Hostname is the UTS hostname inside (--hostname); default "ringfence".
	Hostname string `json:"hostname,omitempty"`

	// UID and GID are CMD's ids inside the sandbox (--uid, --gid); 0 by
	// default (root of the sandbox's user namespace, without capabilities).
	UID int `json:"uid,omitempty"`
	GID int `json:"gid,omitempty"`
	// HostUID and HostGID are the host ids that UID and GID map to when the
	// caller is root. 0 means 65534 (nobody). Mapping to host root needs
	// MapHostRoot as well.
	HostUID int `json:"host_uid,omitempty"`
	HostGID int `json:"host_gid,omitempty"`
	// MapHostRoot allows HostUID/HostGID to be 0 (a loosening: logged).
	MapHostRoot bool `json:"map_host_root,omitempty"`

	// KeepEnv names caller variables passed through besides the allowlist
	// (PATH, HOME, TERM, LANG, LC_*) (--keep-env).
	KeepEnv []string `json:"keep_env,omitempty"`

	// Rlimits are setrlimit values for CMD.
	Rlimits Rlimits `json:"rlimits,omitempty"`
	// Limits are the cgroup limits (--memory, --pids, --cpus).
	Limits cgroup.Limits `json:"limits,omitempty"`
	// Timeout kills the whole sandbox after this wall-clock time (--timeout).
	Timeout time.Duration `json:"timeout,omitempty"`
	// Mlock locks CMD's memory, present and future (mlockall with
	// MCL_CURRENT|MCL_FUTURE, made by CMD itself at its entry point, before
	// its first instruction): it never swaps (--mlock). As root the
	// RLIMIT_MEMLOCK of the sandbox is raised to unlimited (bound the
	// memory with Limits.MemoryBytes); rootless your own limit applies
	// (ulimit -l), and a program that needs more fails to start or to map.
	Mlock bool `json:"mlock,omitempty"`
	// KeepDumpable leaves CMD dumpable, as execve makes every program: its
	// memory open to ptrace and /proc/PID/mem of any process of the same
	// host uid with no capability over it. By default CMD is made not
	// dumpable at its entry point; that costs a ptrace stop per start.
	KeepDumpable bool `json:"keep_dumpable,omitempty"`
	// KeepFDs are caller fds passed to CMD under the same numbers (--keep-fd).
	KeepFDs []int `json:"keep_fds,omitempty"`
	// TTY gives CMD a pty proxied by the supervisor (--tty).
	TTY bool `json:"tty,omitempty"`
	// Landlock is the Landlock mode (--no-landlock, --require landlock).
	Landlock LandlockMode `json:"landlock,omitempty"`
}

// DefaultHostID is the host uid/gid the sandbox's ids map to when the caller
// is root: nobody/nogroup.
const DefaultHostID = 65534

// envAllowed reports whether a caller variable passes the default allowlist.
func envAllowed(name string) bool {
	switch name {
	case "PATH", "HOME", "TERM", "LANG":
		return true
	}
	return strings.HasPrefix(name, "LC_")
}

// buildEnv is CMD's environment: the allowlisted and KeepEnv variables of the
// caller's environment, then explicit, which overrides them. Later entries
// win; the result is sorted for determinism.
func buildEnv(caller, explicit, keep []string) []string {
	vals := map[string]string{}
	for _, kv := range caller {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if envAllowed(k) || contains(keep, k) {
			vals[k] = v
		}
	}
	for _, kv := range explicit {
		k, v, _ := strings.Cut(kv, "=")
		vals[k] = v
	}
	if _, ok := vals["PATH"]; !ok {
		vals["PATH"] = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
	}
	out := make([]string, 0, len(vals))
	for k, v := range vals {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// hiddenDirs are replaced by empty read-only tmpfs mounts in the default
// view: home directories and root's home hold secrets; /run holds host
// sockets (D-Bus, container runtimes) that a read-only mount does not stop
// anyone from connecting to.
var hiddenDirs = []string{"/home", "/root", "/run"}

// validate checks the config before anything is created. It is pure: no
// file system or kernel access, so it runs on any OS.
func (c *Config) validate() error {
	if len(c.Filter) == 0 && !c.SeccompOff {
		return fmt.Errorf("no seccomp filter: set Config.Filter to a compiled policy (the CLI passes the built-in default), or Config.SeccompOff (--seccomp=off) to run without one")
	}
	if len(c.Filter) > 0 && c.SeccompOff {
		return fmt.Errorf("both a seccomp filter and SeccompOff are set: choose one")
	}
	if c.Notify && c.SeccompOff {
		return fmt.Errorf("a notify listener needs a seccomp filter: Notify cannot be combined with SeccompOff")
	}
	if len(c.Filter)%8 != 0 {
		return fmt.Errorf("seccomp filter is %d bytes, not a multiple of 8 (struct sock_filter)", len(c.Filter))
	}
	if len(c.Filter)/8 > 4096 {
		return fmt.Errorf("seccomp filter has %d instructions; the kernel accepts at most 4096", len(c.Filter)/8)
	}
	if c.UID < 0 || c.GID < 0 || c.HostUID < 0 || c.HostGID < 0 {
		return fmt.Errorf("negative uid or gid")
	}
	if c.Hostname != "" && (len(c.Hostname) > 64 || strings.ContainsAny(c.Hostname, "/\x00")) {
		return fmt.Errorf("hostname %q: at most 64 bytes, no '/' or NUL", c.Hostname)
	}
	if c.NoDefaultMounts && c.RootFS == "" {
		return fmt.Errorf("NoDefaultMounts needs RootFS: without default mounts the host root would be shown as is")
	}
	if c.Chdir != "" && !filepath.IsAbs(c.Chdir) {
		return fmt.Errorf("chdir %q: must be an absolute path inside the sandbox", c.Chdir)
	}
	for i, m := range c.Mounts {
		if _, ok := mountKindNames[m.Kind]; !ok {
			return fmt.Errorf("mount %d: unknown kind %d", i, m.Kind)
		}
		if m.Kind == MountTmpfs && m.Source != "" {
			return fmt.Errorf("mount %d: a tmpfs has no source", i)
		}
		if m.Kind != MountTmpfs && m.Source == "" {
			return fmt.Errorf("mount %d (%s): no source path", i, m.Kind)
		}
		dest := m.Dest
		if dest == "" {
			dest = m.Source
		}
		if !filepath.IsAbs(dest) {
			return fmt.Errorf("mount %d (%s): destination %q must be absolute", i, m.Kind, dest)
		}
		if filepath.Clean(dest) == "/" {
			return fmt.Errorf("mount %d (%s): cannot mount over / (use RootFS, --rootfs)", i, m.Kind)
		}
		if m.Size < 0 {
			return fmt.Errorf("mount %d (%s): negative size", i, m.Kind)
		}
	}
	for _, fd := range c.KeepFDs {
		if fd < 3 || fd > 1<<20 {
			return fmt.Errorf("keep-fd %d: only fds from 3 up can be kept (0, 1 and 2 always are)", fd)
		}
	}
	if c.Timeout < 0 {
		return fmt.Errorf("negative timeout")
	}
	if err := c.Limits.Validate(); err != nil {
		return err
	}
	return nil
}

// logLoosenings logs every setting that weakens the default containment.
func (c *Config) logLoosenings(log *slog.Logger) {
	if c.SeccompOff {
		log.Warn("seccomp filter disabled (--seccomp=off)")
	}
	if c.Net == NetHost {
		log.Warn("sharing the host network namespace (--net host)")
	}
	if c.Landlock == LandlockOff {
		log.Warn("Landlock disabled (--no-landlock)")
	}
	if c.KeepDumpable {
		log.Warn("the program stays dumpable (--keep-dumpable)")
	}
	if c.MapHostRoot && (c.HostUID == 0 || c.HostGID == 0) {
		log.Warn("sandbox ids map to host root (MapHostRoot)")
	}
	for _, m := range c.Mounts {
		if m.Kind == MountBind {
			log.Warn("writable bind mount", "source", m.Source, "dest", m.Dest)
		}
	}
	for _, fd := range c.KeepFDs {
		log.Warn("passing an fd into the sandbox (--keep-fd)", "fd", fd)
	}
	if c.RootFS != "" {
		log.Info("using a directory as the root file system", "rootfs", c.RootFS)
	}
}

// underAny reports whether p is one of dirs or beneath one.
func underAny(p string, dirs []string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

// holdsAny reports whether some path in list is strictly beneath dir.
func holdsAny(dir string, list []string) bool {
	for _, w := range list {
		if len(w) > len(dir) && w[:len(dir)] == dir && w[len(dir)] == '/' {
			return true
		}
	}
	return false
}

// bindCwd reports whether the caller's working directory is bound: not
// when it is / or one of the places the defaults replace (binding the host's
// /tmp there would undo the private /tmp), nor under /proc, /dev or /sys.
func bindCwd(cwd string) bool {
	if cwd == "/" || cwd == "/tmp" || slices.Contains(hiddenDirs, cwd) {
		return false
	}
	return !underAny(cwd, []string{"/proc", "/dev", "/sys"})
}

// The bits a program's rf_prefork_wanted(argc, argv) returns (a C function
// it defines in its cgo preamble, which the sandbox package calls from a C
// constructor before the Go runtime starts; docs/run-design.md, "The
// preforked init"). RINGFENCE_PREFORK=N in the environment overrides it.
const (
	PreforkInit      = 1 // clone the first sandbox's init before Go starts
	PreforkSpeculate = 2 // and have it take the default ids and namespaces early
	PreforkPin       = 4 // keep the supervisor on the CPU it started on
)
