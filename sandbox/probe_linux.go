package sandbox

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/cgroup"
)

// Probe reports what cfg asks for and what this machine will enforce.
func Probe(cfg *Config) *Report {
	r := &Report{Rootless: os.Geteuid() != 0}
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		r.Kernel = unix.ByteSliceToString(u.Release[:])
	}
	if err := cfg.validate(); err != nil {
		r.Refusal = err.Error()
	} else if err := checkFilterAdmitsExecve(cfg.Filter); err != nil {
		r.Refusal = err.Error()
	} else if err := checkLandlock(cfg.Landlock); err != nil {
		r.Refusal = err.Error()
	} else if err := checkPostExec(cfg); err != nil {
		r.Refusal = err.Error()
	}

	// Namespaces.
	ns := []string{"user", "mnt", "pid", "ipc", "uts", "cgroup"}
	if timeNamespaces() {
		ns = append(ns, "time")
	}
	if cfg.Net == NetNone {
		ns = append(ns, "net")
	}
	var missing []string
	for _, n := range ns {
		if v, err := readInt("/proc/sys/user/max_" + n + "_namespaces"); err == nil && v == 0 {
			missing = append(missing, n)
		}
	}
	if _, err := os.Stat("/proc/self/ns/user"); err != nil {
		missing = ns
	}
	if r.Rootless {
		if v, err := readInt("/proc/sys/kernel/apparmor_restrict_unprivileged_userns"); err == nil && v == 1 {
			missing = append(missing, "user (AppArmor restricts unprivileged user namespaces)")
		}
	}
	l := Layer{Name: "namespaces", Requested: strings.Join(ns, " "), Enforced: strings.Join(ns, " "), OK: len(missing) == 0}
	if !l.OK {
		l.Enforced = "none"
		l.Detail = "unavailable: " + strings.Join(missing, ", ") + " (see /proc/sys/user/max_*_namespaces)"
	}
	r.Layers = append(r.Layers, l)

	// Identity.
	id := Layer{Name: "identity", Requested: fmt.Sprintf("uid %d gid %d inside", cfg.UID, cfg.GID), OK: true}
	if r.Rootless {
		id.Enforced = fmt.Sprintf("uid %d gid %d inside = your uid %d gid %d on the host; setgroups denied", cfg.UID, cfg.GID, os.Geteuid(), os.Getegid())
	} else if m, err := idMappings(cfg); err == nil {
		id.Enforced = fmt.Sprintf("uid %d gid %d inside = host uid %d gid %d", cfg.UID, cfg.GID, m.hostUID, m.hostGID)
	}
	r.Layers = append(r.Layers, id)

	// File system view.
	fs := Layer{Name: "filesystem", OK: true}
	root := "host / read-only"
	if cfg.RootFS != "" {
		root = cfg.RootFS + " as / read-only"
	}
	fs.Requested = root + "; private /tmp; fresh /proc; minimal /dev; empty /home /root /run; cwd read-only"
	if cfg.Net == NetNone {
		fs.Requested += "; /sys of the sandbox's network namespace"
	}
	for _, m := range cfg.Mounts {
		fs.Requested += fmt.Sprintf("; %s %s:%s", m.Kind, m.Source, m.Dest)
	}
	fs.Enforced = fs.Requested
	if !kernelAtLeast(r.Kernel, 5, 12) {
		fs.OK, fs.Enforced, fs.Detail = false, "none", "needs Linux 5.12 (open_tree, mount_setattr)"
	}
	r.Layers = append(r.Layers, fs)

	// Execution from memfds (which Landlock does not see).
	mf := Layer{Name: "memfd-exec", Requested: "no program runs from a memfd", OK: true}
	if memfdNoexecSettable() {
		mf.Enforced = "vm.memfd_noexec = 2 in the sandbox's pid namespace"
	} else {
		mf.Enforced = "not enforced"
		mf.Detail = "only global root may set vm.memfd_noexec (Linux 6.3+); a rootless sandbox cannot (see SECURITY.md)"
	}
	r.Layers = append(r.Layers, mf)

	// Landlock.
	abi := landlockABI()
	ll := Layer{Name: "landlock", Requested: cfg.Landlock.String(), OK: true}
	switch {
	case cfg.Landlock == LandlockOff:
		ll.Enforced = "none (--no-landlock)"
	case abi == 0:
		ll.Enforced = "none: this kernel has no Landlock"
		ll.OK = false
	default:
		ll.Enforced = fmt.Sprintf("ABI %d (using %d): writes only in writable places, no execute there", abi, min(abi, maxLandlockABI))
		if abi >= 6 {
			ll.Enforced += "; abstract unix socket and signal scopes"
		}
	}
	r.Layers = append(r.Layers, ll)

	// seccomp.
	acts := bpf.KernelActions()
	sc := Layer{Name: "seccomp", OK: true, Detail: "kernel actions: " + strings.Join(acts, " ")}
	switch {
	case cfg.SeccompOff:
		sc.Requested, sc.Enforced = "off (--seccomp=off)", "none"
	case len(cfg.Filter) == 0:
		sc.Requested, sc.Enforced, sc.OK = "no filter given", "none", false
	default:
		sc.Requested = fmt.Sprintf("filter of %d instructions, in force before CMD's first instruction", len(cfg.Filter)/8)
		sc.Enforced = sc.Requested
	}
	if cfg.Notify {
		sc.Requested += "; user notification listener"
		if !slices.Contains(acts, "user_notif") {
			sc.OK = false
			sc.Enforced += "; no user_notif action on this kernel"
		} else {
			sc.Enforced += "; user notification listener"
		}
	}
	r.Layers = append(r.Layers, sc)

	r.Layers = append(r.Layers, postExecLayers(cfg)...)
	r.Layers = append(r.Layers,
		Layer{Name: "capabilities", Requested: "none", Enforced: "effective, permitted, inheritable, bounding and ambient sets empty", OK: true},
		Layer{Name: "no_new_privs", Requested: "on", Enforced: "on", OK: true},
		Layer{Name: "network", Requested: cfg.Net.String(), Enforced: map[NetMode]string{NetNone: "new namespace, only lo (up)", NetHost: "host network namespace"}[cfg.Net], OK: true},
	)

	// cgroup limits.
	cg := Layer{Name: "cgroup", OK: true}
	if !limitsRequested(cfg.Limits) {
		cg.Requested, cg.Enforced = "no limits", "none (the pid namespace ends every process with the init)"
	} else {
		cr := cgroup.Probe()
		var req, enf, bad []string
		check := func(name string, on bool, s cgroup.Support) {
			if !on {
				return
			}
			req = append(req, name)
			if s.OK {
				enf = append(enf, name+" via "+s.Via)
			} else {
				bad = append(bad, name+": "+s.Why)
			}
		}
		check("memory", cfg.Limits.MemoryBytes != 0, cr.Memory)
		check("pids", cfg.Limits.Pids != 0, cr.Pids)
		check("cpu", cfg.Limits.CPUs != 0, cr.CPU)
		cg.Requested, cg.Enforced = strings.Join(req, ", "), strings.Join(enf, "; ")
		if len(bad) > 0 {
			cg.OK, cg.Detail = false, strings.Join(bad, "; ")
			if r.Refusal == "" {
				r.Refusal = "cgroup limits cannot be enforced: " + cg.Detail
			}
		}
	}
	r.Layers = append(r.Layers, cg)

	rl := cfg.Rlimits
	r.Layers = append(r.Layers, Layer{Name: "rlimits", OK: true,
		Requested: fmt.Sprintf("nofile=%d fsize=%d cpu=%ds nproc=%d core=0 (0: unset)", rl.Nofile, rl.Fsize, rl.CPUTime, rl.Nproc),
		Enforced:  "setrlimit in the exec gate"})
	return r
}

// postExecLayers are what is made in CMD at its entry point, after execve:
// not dumpable, and with Mlock its memory locked.
func postExecLayers(cfg *Config) []Layer {
	supported := postExecSupported()
	d := Layer{Name: "dumpable", Requested: "no", OK: true}
	switch {
	case cfg.KeepDumpable:
		d.Requested, d.Enforced = "yes (KeepDumpable)", "dumpable, as execve leaves every program"
	case supported:
		d.Enforced = "PR_SET_DUMPABLE 0 made by CMD at its entry point (ptrace), before its first instruction"
	default:
		d.Enforced, d.Detail = "dumpable", "execve resets PR_SET_DUMPABLE, and setting it after execve is implemented for x86_64 only"
	}
	out := []Layer{d}
	if cfg.Mlock {
		m := Layer{Name: "mlock", Requested: "CMD's memory locked (mlockall MCL_CURRENT|MCL_FUTURE)", OK: supported}
		if supported {
			m.Enforced = "mlockall made by CMD at its entry point; RLIMIT_MEMLOCK " + memlockLimit() + " (raised to unlimited as root with CAP_SYS_RESOURCE)"
		} else {
			m.Enforced, m.Detail = "none", "implemented for x86_64 only"
		}
		out = append(out, m)
	}
	return out
}

func readInt(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// kernelAtLeast compares a release string ("6.18.0-foo") with major.minor.
func kernelAtLeast(release string, major, minor int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return true // unknown: let Start find out
	}
	ma, _ := strconv.Atoi(parts[0])
	mi, _ := strconv.Atoi(strings.TrimFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return ma > major || ma == major && mi >= minor
}
