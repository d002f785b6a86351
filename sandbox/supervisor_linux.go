package sandbox

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
)

// Sync protocol (supervisor = the caller's Go process; init = C, PID 1 of
// the sandbox; gate = a C child of the init); docs/run-design.md has the
// full diagram:
//
//	supervisor                            init                               gate child -> CMD
//	 [wake the preforked init]
//	 validate Config, check the filter
//	 admits execve (bpf.Run); plan
//	 mounts, Landlock rules, gate args
//	 as root: open_tree the sources
//	 socketpair(SEQPACKET), [sync pipe]
//	 hand the plan to the preforked   --> (cloned before Go started; as root
//	   init (shared memory + fds), or      memfd sysctl and proc made, maybe
//	   clone3 a new one                    the default ids and namespaces)
//	                                      [the rest of: host ids, unshare,
//	                                       its own id maps]
//	 [cgroup: add the init; 'G'] ------> [read 'G']
//	                                      time ns, not dumpable, ids, mounts,
//	                                      pivot_root, hostname, loopback,
//	                                      Landlock ruleset, PATH lookup
//	                                      gate_spawn ---------------------> drops everything,
//	                                                                        execve, stopped
//	                                      post-exec steps (ptrace) -------> not dumpable, [mlock],
//	                                                                        seccomp; runs
//	 recv "started" <-------------------- send "started" [+ listener, pty]
//	 Start returns                        reap, forward signals
//	 Wait: recv "exit" <----------------- CMD exits: send "exit", exit(code)
//	 wait4(init)
//
// If the supervisor dies, the init gets SIGKILL (PR_SET_PDEATHSIG) and,
// being PID 1 of the pid namespace, takes every process of the sandbox
// with it; the mount namespace (and with it every mount) vanishes with its
// last process.

type supervisor struct {
	pid      int  // the init's, set once by Start
	reaped   bool // the init has been waited for
	pidfd    int
	sock     *os.File
	stdio    *childStdio
	timer    *time.Timer
	mu       sync.Mutex
	timedOut bool
	done     bool
	exit     exitReport
	cgroup   *sandboxCgroup
	pty      *ptyProxy
	cpuLimit uint64
}

// timeNamespaces reports whether the kernel has time namespaces (Linux
// 5.6+, CONFIG_TIME_NS): where it does, CMD gets one whose clocks start
// near zero, hiding the host's uptime.
var timeNamespaces = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/ns/time")
	return err == nil
})

// memfdNoexecPath is vm.memfd_noexec, a per-pid-namespace sysctl (Linux
// 6.3+): 2 means no memfd can ever be executed in that namespace.
const memfdNoexecPath = "/proc/sys/vm/memfd_noexec"

// memfdNoexecSettable reports whether this supervisor can close the memfd
// hole: the kernel has the sysctl and we are global root (the only writer
// the kernel accepts; a rootless sandbox keeps the hole, see SECURITY.md).
func memfdNoexecSettable() bool {
	return os.Geteuid() == 0 && memfdNoexecExists()
}

var memfdNoexecExists = sync.OnceValue(func() bool {
	_, err := os.Stat(memfdNoexecPath)
	return err == nil
})

// pipeFDs makes a CLOEXEC pipe: the read end goes to r, the write end to w.
func pipeFDs(r, w *fdSet) (rfd, wfd int, err error) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return -1, -1, fmt.Errorf("sandbox: pipe: %w", err)
	}
	return r.add(p[0]), w.add(p[1]), nil
}

// fdSet collects fds that Start opens, to close on failure or once the
// init has its copies.
type fdSet []int

func (s *fdSet) add(fd int) int { *s = append(*s, fd); return fd }

func (s *fdSet) closeAll() {
	for _, fd := range *s {
		unix.Close(fd)
	}
	*s = nil
}

// Start starts CMD in a new sandbox and returns once CMD has been exec'd
// (or a containment step failed: then nothing is left running). The steps,
// in order: check and plan (nothing is created yet), open what the init
// inherits, fork the init, release it, and wait for "started".
func (c *Cmd) Start() error {
	if c.sv != nil {
		return errors.New("sandbox: Start called twice")
	}
	t0 := time.Now()
	wakePrefork()
	p, err := c.prepare()
	if err != nil {
		return err
	}
	sv := &supervisor{pid: -1, pidfd: -1, cpuLimit: c.Config.Rlimits.CPUTime}
	var childFDs, ours fdSet // the init's copies are closed once it has them
	defer childFDs.closeAll()
	defer ours.closeAll()
	abort := func(err error) error {
		ours.closeAll()
		sv.teardown()
		return err
	}
	if err := c.openInherited(p, sv, &childFDs, &ours); err != nil {
		return abort(err)
	}
	t1 := time.Now()
	sv.pid, sv.pidfd, err = spawnInit(p.spec, p.flags)
	childFDs.closeAll() // ours would keep the socket and the mount trees alive
	if err != nil {
		return abort(err)
	}
	sv.stdio.started()
	if err := sv.release(p); err != nil {
		return abort(err)
	}
	ours.closeAll()
	m, err := c.awaitStarted(sv, p)
	if err != nil {
		return abort(err)
	}
	c.sv = sv
	if c.Timings {
		c.StageTimings = stageTimings(t0, t1, m)
	}
	sv.armTimeout(c.Config.Timeout)
	return nil
}

// launchPlan is everything Start decided before creating anything.
type launchPlan struct {
	spec    *initSpec
	flags   uint64 // clone3's
	rootful bool
	sources []string // tree slots' host paths
	memlock bool     // raise the init's RLIMIT_MEMLOCK (root, --mlock)
	syncW   int      // the supervisor's end of the sync pipe, -1 if none
}

// prepare checks the Config and plans the sandbox: the init's operations,
// Landlock rules, gate arguments and namespaces. It creates nothing.
func (c *Cmd) prepare() (*launchPlan, error) {
	cfg := &c.Config
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if c.Path == "" {
		return nil, errors.New("sandbox: no program to run")
	}
	if len(c.Args) == 0 {
		c.Args = []string{c.Path}
	}
	for _, check := range []func() error{
		func() error { return checkFilterAdmitsExecve(cfg.Filter) },
		func() error { return checkLandlock(cfg.Landlock) },
		func() error { return checkPostExec(cfg) },
	} {
		if err := check(); err != nil {
			return nil, err
		}
	}
	log := c.logger()
	cfg.logLoosenings(log)
	if !cfg.KeepDumpable && !postExecSupported() {
		log.Warn("the program stays dumpable: making it not dumpable after execve is implemented for x86_64 only (best effort)", "arch", runtime.GOARCH)
	}
	cwd, err := c.workingDir()
	if err != nil {
		return nil, err
	}
	ids, err := idMappings(cfg)
	if err != nil {
		return nil, err
	}
	p := &launchPlan{rootful: os.Geteuid() == 0, syncW: -1}
	if p.sources, err = sourcePaths(cfg, cwd); err != nil {
		return nil, err
	}
	env := buildEnv(os.Environ(), c.Env, cfg.KeepEnv)
	p.spec = &initSpec{
		uid: cfg.UID, gid: cfg.GID, hostUID: ids.hostUID, hostGID: ids.hostGID,
		ops:      plan(&layout{cfg: cfg, cwd: cwd, sources: p.sources, initClones: !p.rootful}),
		hostname: cfg.Hostname, loUp: cfg.Net == NetNone, newTime: timeNamespaces(),
		cmd: c.Path, pathEnv: envValue(env, "PATH"),
		gate:  gateFor(cfg, c.Args, env, chdirOf(cfg, cwd)),
		syncR: -1,
	}
	if p.spec.hostname == "" {
		p.spec.hostname = "ringfence"
	}
	if cfg.Landlock != LandlockOff {
		if abi := landlockABI(); abi >= 1 {
			p.spec.landlock = planLandlock(cfg, cwd, abi)
		} else {
			log.Warn("Landlock is not available on this kernel: running without file system rules (best effort)")
		}
	}
	p.flags = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC |
		unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP
	if cfg.Net == NetNone {
		p.flags |= unix.CLONE_NEWNET
	}
	if p.rootful {
		// Two steps: the pid namespace first, where the init (still
		// global root) sets vm.memfd_noexec and makes its proc mount,
		// then the host ids, the user namespace and the rest (init_linux.h).
		p.spec.twoStep, p.spec.memfdNoexec = true, memfdNoexecSettable()
		p.spec.unshareFlags, p.flags = p.flags&^unix.CLONE_NEWPID, unix.CLONE_NEWPID
	}
	p.memlock = cfg.Mlock && p.rootful
	return p, nil
}

// openInherited opens what the init inherits (into child) and the
// supervisor's ends (into ours and sv): as root the detached mount trees,
// the kept fds, the socket, the sync pipe, the cgroup, stdio.
func (c *Cmd) openInherited(p *launchPlan, sv *supervisor, child, ours *fdSet) error {
	cfg, spec := &c.Config, p.spec
	spec.trees = make([]int, len(p.sources))
	for slot, src := range p.sources {
		spec.trees[slot] = -1
		if p.rootful && src != "" {
			fd, err := unix.OpenTree(unix.AT_FDCWD, src, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
			if err != nil {
				return fmt.Errorf("sandbox: %s %s: open_tree: %w", slotName(cfg, slot), src, err)
			}
			spec.trees[slot] = child.add(fd)
		}
	}
	for _, fd := range cfg.KeepFDs {
		// A duplicate: the init moves it to fd's number.
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			return fmt.Errorf("sandbox: keep-fd %d is not open in this process", fd)
		}
		spec.keepSrc, spec.keepDst = append(spec.keepSrc, child.add(dup)), append(spec.keepDst, fd)
	}
	socks, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sandbox: socketpair: %w", err)
	}
	spec.sock = child.add(socks[1])
	// Ours non-blocking: Go's poller waits for it, so no thread sits in
	// recvmsg and a message wakes the goroutine directly.
	if err := unix.SetNonblock(socks[0], true); err != nil {
		unix.Close(socks[0])
		return fmt.Errorf("sandbox: socketpair: %w", err)
	}
	sv.sock = os.NewFile(uintptr(socks[0]), "ringfence-supervisor")
	if sv.cgroup, err = newSandboxCgroup(cfg); err != nil {
		return err
	}
	// The init waits for 'G' when the supervisor has something to do to it
	// first: join a cgroup before it forks anything, raise its RLIMIT_MEMLOCK.
	if sv.cgroup != nil || p.memlock {
		if spec.syncR, p.syncW, err = pipeFDs(child, ours); err != nil {
			return err
		}
	}
	stdin, stdout, stderr := c.Stdin, c.Stdout, c.Stderr
	if cfg.TTY {
		// CMD's stdio is a pty the init makes in the sandbox's devpts;
		// the caller's stdio never enters the sandbox.
		spec.tty = true
		spec.ttyRows, spec.ttyCols = callerWinsize(c.Stdin)
		stdin, stdout, stderr = nil, nil, nil
	}
	if sv.stdio, err = openStdio(stdin, stdout, stderr); err != nil {
		return fmt.Errorf("sandbox: stdio: %w", err)
	}
	spec.stdio = sv.stdio.fds
	return nil
}

// release does what the init waits for, if anything: it joins the cgroup
// and gets its RLIMIT_MEMLOCK raised, then 'G'.
func (sv *supervisor) release(p *launchPlan) error {
	if p.syncW < 0 {
		return nil
	}
	if err := sv.cgroup.add(sv.pid); err != nil {
		return err
	}
	if p.memlock {
		// Best effort: without CAP_SYS_RESOURCE the limit stays, and an
		// mlockall that needs more fails with a message that says so.
		inf := &unix.Rlimit{Cur: unix.RLIM_INFINITY, Max: unix.RLIM_INFINITY}
		if err := unix.Prlimit(sv.pid, unix.RLIMIT_MEMLOCK, inf, nil); err != nil && err != unix.EPERM {
			return fmt.Errorf("sandbox: --mlock: raising RLIMIT_MEMLOCK: %w", err)
		}
	}
	if _, err := unix.Write(p.syncW, []byte{'G'}); err != nil {
		return fmt.Errorf("sandbox: releasing the init: %w", err)
	}
	return nil
}

// awaitStarted reads the init's first message: "started" (with the notify
// listener and the pty master) or the failure of a stage.
func (c *Cmd) awaitStarted(sv *supervisor, p *launchPlan) (initMsg, error) {
	m, fds, err := recvMsg(sv.sock)
	if err != nil {
		return m, fmt.Errorf("sandbox: the init stage ended during setup without saying why (%v): it was killed (a signal, or the OOM killer under a memory limit too small for the sandbox's start)", err)
	}
	listener, master := startedFDs(m.fds, fds)
	switch m.typ {
	case msgStarted:
	case msgError:
		return m, m.stageError(p.spec.ops, &p.spec.gate, c.Path, p.spec.pathEnv)
	default:
		return m, fmt.Errorf("sandbox: unexpected message %d from the init stage", m.typ)
	}
	if listener >= 0 {
		c.NotifyFD = os.NewFile(uintptr(listener), "seccomp-notify")
	}
	if master >= 0 {
		sv.pty = newPtyProxy(os.NewFile(uintptr(master), "pty-master"))
		sv.pty.start(c.Stdin, c.Stdout)
	}
	return m, nil
}

// armTimeout kills the whole sandbox after d (none for 0).
func (sv *supervisor) armTimeout(d time.Duration) {
	if d <= 0 {
		return
	}
	sv.timer = time.AfterFunc(d, func() {
		sv.mu.Lock()
		defer sv.mu.Unlock()
		if !sv.done {
			sv.timedOut = true
			sv.kill()
		}
	})
}

// checkPostExec refuses --mlock where CMD cannot be changed after execve.
// (Not dumpable is best effort there: postExecSteps leaves CMD dumpable and
// Start logs it.)
func checkPostExec(cfg *Config) error {
	if cfg.Mlock && !postExecSupported() {
		return fmt.Errorf("sandbox: --mlock cannot be enforced on %s: mlockall does not survive execve, and ringfence makes CMD call it at its entry point with ptrace, which is implemented for x86_64 only", runtime.GOARCH)
	}
	return nil
}

// postExecSteps reports whether CMD gets the steps after execve (not
// dumpable, mlock): asked for and possible on this architecture.
func postExecSteps(cfg *Config) bool {
	return postExecSupported() && (cfg.Mlock || !cfg.KeepDumpable)
}

// startedFDs sorts the fds that came with "started" by what flags says
// they are (-1: not sent).
func startedFDs(flags int, fds []int) (listener, master int) {
	listener, master = -1, -1
	for _, want := range []struct {
		bit int
		dst *int
	}{{fdListener, &listener}, {fdPty, &master}} {
		if flags&want.bit != 0 && len(fds) > 0 {
			*want.dst, fds = fds[0], fds[1:]
		}
	}
	for _, fd := range fds {
		unix.Close(fd) // not asked for
	}
	return listener, master
}

// teardown undoes a Start that failed: kills and reaps the init, closes
// what Start opened.
func (sv *supervisor) teardown() {
	if sv.pid > 0 && !sv.reaped {
		sv.kill()
		sv.reapInit()
	}
	if sv.pidfd >= 0 {
		unix.Close(sv.pidfd)
		sv.pidfd = -1
	}
	if sv.stdio != nil {
		sv.stdio.closeAll()
	}
	sv.sock.Close()
	sv.cgroup.destroy()
	sv.done = true
	sv.exit = exitReport{Code: 125}
}

// workingDir is the caller's directory that the sandbox binds and starts in.
func (c *Cmd) workingDir() (string, error) {
	cwd := c.Dir
	if cwd == "" && c.Config.RootFS != "" {
		// The caller's directory means nothing in another root: start at
		// its / unless Dir or Chdir say otherwise.
		cwd = "/"
	}
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return "", fmt.Errorf("sandbox: working directory: %w", err)
		}
	}
	return filepath.Abs(cwd)
}

// chdirOf is CMD's working directory inside.
func chdirOf(cfg *Config, cwd string) string {
	if cfg.Chdir != "" {
		return cfg.Chdir
	}
	return cwd
}

// sourcePaths are the host paths of the tree slots: the root (/ or
// RootFS), the cwd when it is bound, then each bind's source ("" for a
// tmpfs). Each must exist.
func sourcePaths(cfg *Config, cwd string) ([]string, error) {
	root := "/"
	if cfg.RootFS != "" {
		root = cfg.RootFS
	}
	paths := []string{root, ""}
	if bindCwd(cwd) && !cfg.NoDefaultMounts {
		paths[slotCwd] = cwd
	}
	for _, m := range cfg.Mounts {
		p := ""
		if m.Kind != MountTmpfs {
			p = m.Source
		}
		paths = append(paths, p)
	}
	for slot, p := range paths {
		if p == "" {
			continue
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("sandbox: %s: %w", slotName(cfg, slot), err)
		}
		paths[slot] = abs
	}
	return paths, nil
}

// slotName says what a tree slot is, for messages.
func slotName(cfg *Config, slot int) string {
	switch slot {
	case slotRoot:
		return "root file system"
	case slotCwd:
		return "working directory"
	}
	return cfg.Mounts[slot-slotBind0].Kind.String() + " source"
}

func envValue(env []string, name string) string {
	v := ""
	for _, kv := range env {
		if s, ok := strings.CutPrefix(kv, name+"="); ok {
			v = s
		}
	}
	return v
}

// gateFor is the exec gate's part of the plan.
func gateFor(cfg *Config, args, env []string, dir string) gateSpec {
	g := gateSpec{
		Argv: args, Envp: env, Dir: dir,
		UID: cfg.UID, GID: cfg.GID, CapLast: capLast(),
		NewSession: true, CTTY: cfg.TTY,
		KeepFDs: cfg.KeepFDs, Filter: cfg.Filter, Notify: cfg.Notify,
		PostExec: postExecSteps(cfg), Mlock: cfg.Mlock,
	}
	if cfg.Notify {
		g.SeccompFlag = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	rl := cfg.Rlimits
	g.Rlimits = append(g.Rlimits, gateRlimit{Resource: unix.RLIMIT_CORE})
	for _, r := range []struct {
		res      int
		cur, max uint64
	}{
		{unix.RLIMIT_NOFILE, rl.Nofile, rl.Nofile},
		{unix.RLIMIT_FSIZE, rl.Fsize, rl.Fsize},
		{unix.RLIMIT_CPU, rl.CPUTime, rl.CPUTime + 1},
		{unix.RLIMIT_NPROC, rl.Nproc, rl.Nproc},
		{unix.RLIMIT_AS, rl.AS, rl.AS},
	} {
		if r.cur > 0 {
			g.Rlimits = append(g.Rlimits, gateRlimit{r.res, r.cur, r.max})
		}
	}
	return g
}

// stageTimings merges the supervisor's clocks with the init's stages.
func stageTimings(t0, t1 time.Time, m initMsg) []StageTiming {
	out := []StageTiming{{Stage: "supervisor", Duration: t1.Sub(t0)}, {Stage: "spawn", Duration: m.entered.Sub(t1)}}
	out = append(out, m.stages...)
	var sum time.Duration
	for _, s := range out {
		sum += s.Duration
	}
	return append(out, StageTiming{Stage: "report", Duration: time.Since(t0) - sum})
}

// kill ends every process of the sandbox: the cgroup when there is one,
// and the init (PID 1 of the pid namespace: its death kills the rest).
func (sv *supervisor) kill() {
	sv.cgroup.kill()
	sv.signal(unix.SIGKILL)
}

func (sv *supervisor) signal(sig syscall.Signal) error {
	if sv.pidfd >= 0 {
		return unix.PidfdSendSignal(sv.pidfd, sig, nil, 0)
	}
	return syscall.ESRCH
}

// reapInit waits for the init to end and returns its wait status.
func (sv *supervisor) reapInit() unix.WaitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(sv.pid, &ws, 0, nil)
		if err != unix.EINTR {
			break
		}
	}
	sv.reaped = true
	return ws
}

// Signal sends sig to CMD (through the init, which forwards it). SIGKILL
// kills the whole sandbox.
func (c *Cmd) Signal(sig os.Signal) error {
	if c.sv == nil {
		return errors.New("sandbox: not started")
	}
	s, ok := sig.(syscall.Signal)
	if !ok {
		return fmt.Errorf("sandbox: unsupported signal %v", sig)
	}
	c.sv.mu.Lock()
	defer c.sv.mu.Unlock()
	if c.sv.done {
		return errors.New("sandbox: already exited")
	}
	if s == syscall.SIGKILL {
		c.sv.kill()
		return nil
	}
	return c.sv.signal(s)
}

// Pid is the host pid of the sandbox's init (PID 1 inside), or -1.
func (c *Cmd) Pid() int {
	if c.sv == nil {
		return -1
	}
	return c.sv.pid
}

// Wait waits for CMD to exit and for the sandbox to be gone. It returns nil
// for exit status 0, an *ExitError otherwise.
func (c *Cmd) Wait() error {
	sv := c.sv
	if sv == nil {
		return errors.New("sandbox: not started")
	}
	if sv.done {
		return errors.New("sandbox: Wait called twice")
	}
	var rep *exitReport
	for rep == nil {
		m, fds, err := recvMsg(sv.sock)
		for _, fd := range fds {
			unix.Close(fd)
		}
		if err != nil {
			break
		}
		if m.typ == msgExit {
			r := exitFrom(m.status, m.cpu, sv.cpuLimit)
			rep = &r
		}
	}
	initStatus := sv.reapInit()
	sv.mu.Lock()
	sv.done = true
	unix.Close(sv.pidfd)
	sv.pidfd = -1
	timedOut := sv.timedOut
	sv.mu.Unlock()
	sv.stdio.wait()
	sv.pty.stop()
	if sv.timer != nil {
		sv.timer.Stop()
	}
	sv.sock.Close()
	oom := sv.cgroup.oomDetail()
	sv.cgroup.kill()
	sv.cgroup.destroy()
	switch {
	case timedOut:
		sv.exit = exitReport{Code: 128 + int(syscall.SIGKILL), Signal: int(syscall.SIGKILL), Reason: ReasonTimeout}
	case rep != nil:
		sv.exit = *rep
	case initStatus.Signaled():
		// The init died without a report: killed from outside.
		sv.exit = exitReport{Code: 128 + int(initStatus.Signal()), Signal: int(initStatus.Signal())}
	default:
		sv.exit = exitReport{Code: initStatus.ExitStatus()}
	}
	if oom != "" && sv.exit.Reason == ReasonNone && sv.exit.Signal == int(syscall.SIGKILL) {
		sv.exit.Reason = ReasonMemory
		err := exitErrorFrom(sv.exit, c.Config.Timeout).(*ExitError)
		err.Detail = oom
		return err
	}
	return exitErrorFrom(sv.exit, c.Config.Timeout)
}

// exitFrom says how CMD ended and whether the sandbox's own limits did it.
func exitFrom(ws unix.WaitStatus, cpu time.Duration, cpuLimit uint64) exitReport {
	if ws.Exited() {
		return exitReport{Code: ws.ExitStatus()}
	}
	sig := ws.Signal()
	rep := exitReport{Code: 128 + int(sig), Signal: int(sig)}
	switch {
	case sig == unix.SIGSYS:
		rep.Reason = ReasonSeccomp
	case sig == unix.SIGXCPU && cpuLimit > 0:
		rep.Reason = ReasonCPUTime
	case sig == unix.SIGKILL && cpuLimit > 0 && cpu >= time.Duration(cpuLimit)*time.Second:
		rep.Reason = ReasonCPUTime
	}
	return rep
}

// idMaps are the host ids the sandbox's uid and gid map to.
type idMaps struct {
	hostUID, hostGID int
}

// idMappings says what the sandbox's ids map to. As root, an unprivileged
// host id (65534 unless HostUID/HostGID say otherwise; host root only with
// MapHostRoot). Rootless, the caller's own ids. Either way the init maps
// them itself, as its own ids, and setgroups is denied in the namespace.
func idMappings(cfg *Config) (*idMaps, error) {
	if os.Geteuid() != 0 {
		if cfg.HostUID != 0 || cfg.HostGID != 0 {
			return nil, fmt.Errorf("sandbox: HostUID/HostGID need root: rootless, the sandbox's ids map to your own (uid %d, gid %d)", os.Geteuid(), os.Getegid())
		}
		return &idMaps{hostUID: os.Geteuid(), hostGID: os.Getegid()}, nil
	}
	m := &idMaps{hostUID: cfg.HostUID, hostGID: cfg.HostGID}
	if m.hostUID == 0 && !cfg.MapHostRoot {
		m.hostUID = DefaultHostID
	}
	if m.hostGID == 0 && !cfg.MapHostRoot {
		m.hostGID = DefaultHostID
	}
	return m, nil
}

// capLast is CAP_LAST_CAP of the running kernel (read once).
var capLast = sync.OnceValue(func() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 40
	}
	n, err := strconv.Atoi(string(trimNL(b)))
	if err != nil {
		return 40
	}
	return n
})

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// checkFilterAdmitsExecve runs the filter in the emulator (package bpf)
// for execve on the native ABI: the gate's last call. A filter that denies
// it would kill or fail every start, so Start refuses it with a clear
// message. (The execve number and audit arch come from x/sys/unix rather
// than package syscalls: importing the tables would make every init stage
// pay for initializing them; see docs/run-design.md.)
func checkFilterAdmitsExecve(filter []byte) error {
	if len(filter) == 0 {
		return nil
	}
	prog, err := bpf.Unmarshal(filter)
	if err != nil {
		return fmt.Errorf("sandbox: seccomp filter: %w", err)
	}
	if err := bpf.Validate(prog); err != nil {
		return fmt.Errorf("sandbox: seccomp filter is not a valid program: %w", err)
	}
	arch, ok := nativeAuditArch[runtime.GOARCH]
	if !ok {
		return fmt.Errorf("sandbox: no audit arch known for %s", runtime.GOARCH)
	}
	ret, err := bpf.Run(prog, bpf.SeccompData{Nr: unix.SYS_EXECVE, Arch: arch})
	if err != nil {
		return fmt.Errorf("sandbox: seccomp filter: %w", err)
	}
	switch ret & retActionFull {
	case retAllow, retLog:
		return nil
	}
	return fmt.Errorf("sandbox: the seccomp filter does not allow execve (it returns %#x): execve is the one call the policy must admit (the gate's last step before the program runs, and nobody can answer a notification for it yet); allow execve in the policy", ret)
}

// SECCOMP_RET_* values (linux/seccomp.h) the execve check needs.
const (
	retActionFull = 0xffff0000
	retAllow      = 0x7fff0000
	retLog        = 0x7ffc0000
)

var nativeAuditArch = map[string]uint32{
	"amd64":   unix.AUDIT_ARCH_X86_64,
	"arm64":   unix.AUDIT_ARCH_AARCH64,
	"riscv64": unix.AUDIT_ARCH_RISCV64,
	"386":     unix.AUDIT_ARCH_I386,
	"arm":     unix.AUDIT_ARCH_ARM,
}
