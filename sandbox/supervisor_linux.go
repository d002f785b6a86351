package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
)

// Sync protocol (supervisor = the caller's Go process; init = the same
// executable re-exec'd as PID 1 of the sandbox; gate = a C child of init):
//
//	supervisor (host uid, host caps)      init (root in new userns)          gate child -> CMD
//	 validate Config, check filter
//	 admits execve (bpf.Run)
//	 open O_PATH fds (root, cwd, binds)
//	 socketpair(SEQPACKET)
//	 clone(NEWUSER|NEWNS|NEWPID|NEWNET|
//	   NEWIPC|NEWUTS|NEWCGROUP), write
//	   uid_map/gid_map, execve
//	   /proc/self/exe ------------------> Init(): Go runtime starts
//	 [cgroup: add init pid]               recv blocks
//	 send initConfig -------------------> stages: mounts, pivot_root,
//	                                      hostname, loopback, Landlock
//	                                      ruleset, PATH lookup
//	                                      gate_spawn (C) ---------------> clone: fds, rlimits,
//	                                                                      chdir, groups, capbset,
//	                                                                      no_new_privs, landlock,
//	                                                                      setresuid, capset 0,
//	                                                                      dumpable 0, seccomp,
//	                                      [notify: pidfd_getfd] <-------- (spins on shared page)
//	                                      EOF on CLOEXEC pipe <---------- execve(CMD)
//	 recv "started" <-------------------- send "started" [+ listener fd]
//	 Start returns                        reap zombies, forward signals
//	 Wait: recv "exit" <----------------- CMD exits: send "exit", exit(code)
//	 wait4(init)
//
// If the supervisor dies, the init gets SIGKILL (Pdeathsig) and, being
// PID 1 of the pid namespace, takes every process of the sandbox with it;
// the mount namespace (and with it every mount) vanishes with its last
// process.

// initMarkerEnv and initArgv0 mark the re-exec'd init stage.
const (
	initMarkerEnv = "_RINGFENCE_INIT"
	initArgv0     = "ringfence-init"
)

type supervisor struct {
	ec       *exec.Cmd
	sock     *os.File
	timer    *time.Timer
	mu       sync.Mutex
	timedOut bool
	done     bool
	exit     exitReport
	cgroup   *sandboxCgroup
	pty      *ptyProxy
}

// Start starts CMD in a new sandbox and returns once CMD has been exec'd
// (or a containment step failed: then nothing is left running).
func (c *Cmd) Start() error {
	if c.sv != nil {
		return errors.New("sandbox: Start called twice")
	}
	t0 := time.Now()
	cfg := &c.Config
	if err := cfg.validate(); err != nil {
		return err
	}
	if c.Path == "" {
		return errors.New("sandbox: no program to run")
	}
	if len(c.Args) == 0 {
		c.Args = []string{c.Path}
	}
	log := c.logger()
	if err := checkFilterAdmitsExecve(cfg.Filter); err != nil {
		return err
	}
	if err := checkLandlock(cfg.Landlock); err != nil {
		return err
	}
	cfg.logLoosenings(log)

	cwd := c.Dir
	if cwd == "" && cfg.RootFS != "" {
		// The caller's directory means nothing in another root: start at
		// its / unless Dir or Chdir say otherwise.
		cwd = "/"
	}
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			return fmt.Errorf("sandbox: working directory: %w", err)
		}
	}
	cwd, err := filepath.Abs(cwd)
	if err != nil {
		return err
	}
	ic := &initConfig{
		Config: *cfg, Path: c.Path, Args: c.Args, Cwd: cwd, Timings: c.Timings,
		Env: buildEnv(os.Environ(), c.Env, cfg.KeepEnv),
	}

	// Files the init inherits: KeepFDs under their own numbers, then ours.
	var extra []*os.File
	maxKeep := 2
	for _, fd := range cfg.KeepFDs {
		maxKeep = max(maxKeep, fd)
	}
	extra = make([]*os.File, maxKeep-2)
	for _, fd := range cfg.KeepFDs {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
			return fmt.Errorf("sandbox: keep-fd %d is not open in this process", fd)
		}
		// A duplicate, closed after Start: an *os.File around the caller's
		// own fd would close it when garbage collected.
		dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
		if err != nil {
			return fmt.Errorf("sandbox: keep-fd %d: dup: %w", fd, err)
		}
		extra[fd-3] = os.NewFile(uintptr(dup), "keep-fd-"+strconv.Itoa(fd))
	}
	var opened []*os.File
	for _, f := range extra {
		if f != nil {
			opened = append(opened, f)
		}
	}
	defer func() {
		for _, f := range opened {
			f.Close()
		}
	}()
	addFile := func(f *os.File) int {
		opened = append(opened, f)
		extra = append(extra, f)
		return 3 + len(extra) - 1
	}
	rootful := os.Geteuid() == 0
	openSource := func(p, what string) (source, error) {
		p, err := filepath.Abs(p)
		if err != nil {
			return source{}, err
		}
		if !rootful {
			if _, err := os.Stat(p); err != nil {
				return source{}, fmt.Errorf("sandbox: %s: %w", what, err)
			}
			return source{FD: -1, Path: p}, nil
		}
		fd, err := unix.OpenTree(unix.AT_FDCWD, p, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE)
		if err != nil {
			return source{}, fmt.Errorf("sandbox: %s %s: open_tree: %w", what, p, err)
		}
		return source{FD: addFile(os.NewFile(uintptr(fd), p)), Path: p}, nil
	}

	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("sandbox: socketpair: %w", err)
	}
	sock := os.NewFile(uintptr(fds[0]), "ringfence-supervisor")
	childSock := os.NewFile(uintptr(fds[1]), "ringfence-init")
	sockFD := addFile(childSock)

	root := "/"
	if cfg.RootFS != "" {
		root = cfg.RootFS
	}
	if ic.RootSrc, err = openSource(root, "root file system"); err != nil {
		sock.Close()
		return err
	}
	ic.CwdSrc = source{FD: -1}
	if bindCwd(cwd) {
		if ic.CwdSrc, err = openSource(cwd, "working directory"); err != nil {
			sock.Close()
			return err
		}
	}
	for _, m := range cfg.Mounts {
		if m.Kind == MountTmpfs {
			ic.BindSrcs = append(ic.BindSrcs, source{FD: -1})
			continue
		}
		src, err := openSource(m.Source, m.Kind.String()+" source")
		if err != nil {
			sock.Close()
			return err
		}
		ic.BindSrcs = append(ic.BindSrcs, src)
	}

	attr, err := idMappings(cfg)
	if err != nil {
		sock.Close()
		return err
	}
	ic.SetGroups = attr.GidMappingsEnableSetgroups
	attr.Cloneflags = unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWIPC |
		unix.CLONE_NEWUTS | unix.CLONE_NEWCGROUP
	if cfg.Net == NetNone {
		attr.Cloneflags |= unix.CLONE_NEWNET
	}
	attr.Pdeathsig = syscall.SIGKILL
	attr.Setsid = true

	cg, err := newSandboxCgroup(cfg)
	if err != nil {
		sock.Close()
		return err
	}
	stdin, stdout, stderr := c.Stdin, c.Stdout, c.Stderr
	var pty *ptyProxy
	if cfg.TTY {
		if pty, err = openPty(); err != nil {
			sock.Close()
			cg.destroy()
			return err
		}
		opened = append(opened, pty.slave) // the init has its copies after Start
		stdin, stdout, stderr = pty.slave, pty.slave, pty.slave
	}
	ec := &exec.Cmd{
		Path:        initPath(),
		Args:        []string{initArgv0},
		Env:         []string{initMarkerEnv + "=" + strconv.Itoa(sockFD), "GOGC=off", "GOMAXPROCS=1"},
		Stdin:       stdin,
		Stdout:      stdout,
		Stderr:      stderr,
		ExtraFiles:  extra,
		SysProcAttr: attr,
	}
	// As root, vm.memfd_noexec is set in the sandbox's pid namespace before
	// the init may go on (setMemfdNoexec), so the config waits for that.
	memfdNoexec := memfdNoexecSettable()
	configAfterStart := cg != nil || memfdNoexec
	if !configAfterStart {
		// Nothing to do first: the config waits in the socket buffer, and
		// the init reads it the moment it starts (no round trip).
		if err := sendConfig(sock, ic); err != nil {
			sock.Close()
			return err
		}
	}
	t1 := time.Now()
	if err := ec.Start(); err != nil {
		sock.Close()
		cg.destroy()
		if pty != nil {
			pty.master.Close()
		}
		return fmt.Errorf("sandbox: starting the init stage: %w (user namespaces may be disabled: see /proc/sys/user/max_user_namespaces)", err)
	}
	// The init has its copies now; ours would keep the socket open (no EOF
	// when the init dies) and the detached mount trees alive.
	for _, f := range opened {
		f.Close()
	}
	opened = nil
	sv := &supervisor{ec: ec, sock: sock, cgroup: cg, pty: pty}
	c.sv = sv
	if pty != nil {
		pty.start(c.Stdin, c.Stdout)
	}
	fail := func(err error) error {
		ec.Process.Kill()
		ec.Wait()
		pty.stop()
		sock.Close()
		cg.destroy()
		sv.done = true
		sv.exit = exitReport{Code: 125}
		return err
	}
	if cg != nil {
		// The init reads its config only once it is in the cgroup, so
		// everything it forks is inside.
		if err := cg.add(ec.Process.Pid); err != nil {
			return fail(err)
		}
	}
	if memfdNoexec {
		if err := setMemfdNoexec(ec.Process.Pid); err != nil {
			return fail(fmt.Errorf("sandbox: no execution from memfds: %w", err))
		}
	}
	if configAfterStart {
		if err := sendConfig(sock, ic); err != nil {
			return fail(err)
		}
	}
	for {
		m, fd, err := recvMsg(sock)
		if err != nil {
			return fail(fmt.Errorf("sandbox: the init stage died during setup (%v); is sandbox.Init() called first thing in main?", err))
		}
		switch m.Type {
		case msgWarn:
			log.Warn(m.Warn)
		case msgError:
			if m.Err == nil {
				return fail(errors.New("sandbox: setup failed"))
			}
			return fail(m.Err)
		case msgStarted:
			if fd >= 0 {
				c.NotifyFD = os.NewFile(uintptr(fd), "seccomp-notify")
			}
			if c.Timings {
				c.StageTimings = supervisorTimings(t0, t1, m.Timings)
			}
			if cfg.Timeout > 0 {
				sv.timer = time.AfterFunc(cfg.Timeout, func() {
					sv.mu.Lock()
					sv.timedOut = true
					sv.mu.Unlock()
					sv.kill()
				})
			}
			return nil
		}
	}
}

func sendConfig(sock *os.File, ic *initConfig) error {
	msg, err := json.Marshal(ic)
	if err != nil {
		return err
	}
	if _, err := sock.Write(msg); err != nil {
		return fmt.Errorf("sandbox: sending the config to the init stage: %w", err)
	}
	return nil
}

// supervisorTimings merges the supervisor's clocks with the init's stages.
func supervisorTimings(t0, t1 time.Time, init []StageTiming) []StageTiming {
	out := []StageTiming{{Stage: "supervisor", Duration: t1.Sub(t0)}}
	for _, s := range init {
		if s.Stage == "init-entered" {
			out = append(out, StageTiming{Stage: "spawn", Duration: time.Unix(0, s.At).Sub(t1)})
			continue
		}
		out = append(out, s)
	}
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
	sv.ec.Process.Kill()
}

// Signal sends sig to CMD (through the init, which forwards it). SIGKILL
// kills the whole sandbox.
func (c *Cmd) Signal(sig os.Signal) error {
	if c.sv == nil {
		return errors.New("sandbox: not started")
	}
	if sig == syscall.SIGKILL {
		c.sv.kill()
		return nil
	}
	return c.sv.ec.Process.Signal(sig)
}

// Pid is the host pid of the sandbox's init (PID 1 inside), or -1.
func (c *Cmd) Pid() int {
	if c.sv == nil {
		return -1
	}
	return c.sv.ec.Process.Pid
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
		m, _, err := recvMsg(sv.sock)
		if err != nil {
			break
		}
		switch m.Type {
		case msgWarn:
			c.logger().Warn(m.Warn)
		case msgExit:
			rep = m.Exit
		}
	}
	werr := sv.ec.Wait()
	sv.pty.stop()
	if sv.timer != nil {
		sv.timer.Stop()
	}
	sv.sock.Close()
	sv.mu.Lock()
	timedOut := sv.timedOut
	sv.mu.Unlock()
	oom := sv.cgroup.oomDetail()
	sv.cgroup.kill()
	sv.cgroup.destroy()
	sv.done = true
	switch {
	case timedOut:
		sv.exit = exitReport{Code: 128 + int(syscall.SIGKILL), Signal: int(syscall.SIGKILL), Reason: ReasonTimeout}
	case rep != nil:
		sv.exit = *rep
	default:
		// The init died without a report: killed from outside.
		sv.exit = exitReport{Code: 128 + int(syscall.SIGKILL), Signal: int(syscall.SIGKILL)}
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
				sv.exit = exitReport{Code: 128 + int(ws.Signal()), Signal: int(ws.Signal())}
			} else if ok {
				sv.exit = exitReport{Code: ws.ExitStatus()}
			}
		}
	}
	if oom != "" && sv.exit.Reason == ReasonNone && sv.exit.Signal == int(syscall.SIGKILL) {
		sv.exit.Reason = ReasonMemory
		err := exitErrorFrom(sv.exit, c.Config.Timeout).(*ExitError)
		err.Detail = oom
		return err
	}
	return exitErrorFrom(sv.exit, c.Config.Timeout)
}

// recvMsg reads one message and an optional fd passed with it.
func recvMsg(sock *os.File) (initMsg, int, error) {
	var m initMsg
	buf := make([]byte, 1<<16)
	oob := make([]byte, unix.CmsgSpace(4))
	conn, err := sock.SyscallConn()
	if err != nil {
		return m, -1, err
	}
	var n, oobn int
	var rerr error
	err = conn.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return m, -1, err
	}
	if n == 0 {
		return m, -1, errors.New("EOF")
	}
	fd := -1
	if oobn > 0 {
		if scms, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil && len(scms) > 0 {
			if fds, err := unix.ParseUnixRights(&scms[0]); err == nil && len(fds) > 0 {
				fd = fds[0]
			}
		}
	}
	if err := json.Unmarshal(buf[:n], &m); err != nil {
		return m, fd, fmt.Errorf("bad message from the init stage: %w", err)
	}
	return m, fd, nil
}

// idMappings builds the user namespace's id maps. As root, the sandbox's
// ids map to an unprivileged host id (65534 unless HostUID/HostGID say
// otherwise; host root only with MapHostRoot). Rootless, they map to the
// caller's own ids and setgroups is denied (the kernel requires it).
//
// The init must hold capabilities in the new user namespace after its
// execve: with UID 0 inside it does (root of its namespace); with another
// UID it keeps them as ambient capabilities, which the gate clears.
func idMappings(cfg *Config) (*syscall.SysProcAttr, error) {
	attr := &syscall.SysProcAttr{}
	var hostUID, hostGID int
	if os.Geteuid() == 0 {
		hostUID, hostGID = cfg.HostUID, cfg.HostGID
		if hostUID == 0 && !cfg.MapHostRoot {
			hostUID = DefaultHostID
		}
		if hostGID == 0 && !cfg.MapHostRoot {
			hostGID = DefaultHostID
		}
		attr.GidMappingsEnableSetgroups = true
	} else {
		hostUID, hostGID = os.Geteuid(), os.Getegid()
		if cfg.HostUID != 0 || cfg.HostGID != 0 {
			return nil, fmt.Errorf("sandbox: HostUID/HostGID need root: rootless, the sandbox's ids map to your own (uid %d, gid %d)", hostUID, hostGID)
		}
	}
	attr.UidMappings = []syscall.SysProcIDMap{{ContainerID: cfg.UID, HostID: hostUID, Size: 1}}
	attr.GidMappings = []syscall.SysProcIDMap{{ContainerID: cfg.GID, HostID: hostGID, Size: 1}}
	attr.Credential = &syscall.Credential{Uid: uint32(cfg.UID), Gid: uint32(cfg.GID), NoSetGroups: !attr.GidMappingsEnableSetgroups}
	if cfg.UID != 0 {
		for c := 0; c <= capLast(); c++ {
			attr.AmbientCaps = append(attr.AmbientCaps, uintptr(c))
		}
	}
	return attr, nil
}

// capLast is CAP_LAST_CAP of the running kernel.
func capLast() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		return 40
	}
	n, err := strconv.Atoi(string(trimNL(b)))
	if err != nil {
		return 40
	}
	return n
}

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
