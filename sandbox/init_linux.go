package sandbox

import (
	"encoding/json"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Init runs the sandbox's init stage when this process is one, and returns
// at once otherwise. Every program that starts sandboxes must call it first
// thing in main (and test binaries in TestMain): Start re-executes the
// running binary (/proc/self/exe) as the sandbox's PID 1, and that copy
// must become the init instead of running the program's own main. Like
// runc's init and Docker's reexec.Init.
func Init() {
	entered := time.Now()
	fdStr := os.Getenv(initMarkerEnv)
	if fdStr == "" || len(os.Args) == 0 || os.Args[0] != initArgv0 {
		return
	}
	fd, err := strconv.Atoi(fdStr)
	if err != nil {
		os.Exit(125)
	}
	os.Exit(runInit(fd, entered))
}

// initState is the init stage's working state.
type initState struct {
	sock     int
	ic       initConfig
	timings  []StageTiming
	landlock int // ruleset fd, -1 none
	path     string
	dir      string
	cmdPid   int
	listener int
}

// runInit is PID 1 of the sandbox. Here we are root in the new user
// namespace with every capability in it (none on the host), in new mount,
// pid, ipc, uts, cgroup and (unless --net host) network namespaces.
func runInit(sock int, entered time.Time) int {
	st := &initState{sock: sock, landlock: -1, listener: -1}
	// Not dumpable: CMD (uid 0 inside too) must not open /proc/1/mem,
	// /proc/1/fd or ptrace the init, which holds every capability of the
	// namespace and the supervisor's socket. The capability rule already
	// refuses it (CMD's permitted set is not a superset of the init's; the
	// tests check the result with Landlock off); this is a second lock that
	// does not depend on CMD's capabilities. The init never execs again, so
	// it stays. The gate child sets its own value (notify hand-off).
	unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0)
	// Handled signals are forwarded to CMD once it runs. Registering them
	// now also makes them deliverable to us (PID 1 of a pid namespace only
	// receives signals it handles).
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGWINCH, syscall.SIGCONT, syscall.SIGALRM)

	buf := make([]byte, 1<<20)
	n, err := unix.Read(sock, buf)
	if err != nil || n == 0 {
		return 125
	}
	if err := json.Unmarshal(buf[:n], &st.ic); err != nil {
		st.fail(&StageError{Stage: "config", Op: "decode", Msg: err.Error()})
		return 125
	}
	if st.ic.Timings {
		st.timings = append(st.timings, StageTiming{Stage: "init-entered", At: entered.UnixNano()},
			StageTiming{Stage: "config", Duration: time.Since(entered)})
	}
	// The containment steps, in order. Each is all-or-nothing: the first
	// failure is reported with its stage and errno and nothing runs.
	stages := []struct {
		name string
		run  func() error
	}{
		{"mounts", st.stageMounts},
		{"hostname", st.stageHostname},
		{"network", st.stageNetwork},
		{"landlock", st.stageLandlock},
		{"resolve", st.stageResolve},
		{"gate", st.stageGate},
	}
	for _, s := range stages {
		t0 := time.Now()
		if err := s.run(); err != nil {
			var se *StageError
			if !errors.As(err, &se) {
				se = &StageError{Stage: s.name, Op: err.Error()}
				var errno syscall.Errno
				if errors.As(err, &errno) {
					se.Errno = errno
				}
			}
			st.fail(se)
			return 125
		}
		if st.ic.Timings {
			st.timings = append(st.timings, StageTiming{Stage: s.name, Duration: time.Since(t0)})
		}
	}
	var rights []byte
	if st.listener >= 0 {
		rights = unix.UnixRights(st.listener)
	}
	st.send(initMsg{Type: msgStarted, Pid: st.cmdPid, Timings: st.timings}, rights)
	if st.listener >= 0 {
		unix.Close(st.listener)
	}
	go func() {
		for s := range sigs {
			unix.Kill(st.cmdPid, s.(syscall.Signal))
		}
	}()
	rep := st.reap()
	st.send(initMsg{Type: msgExit, Exit: &rep}, nil)
	return rep.Code
}

func (st *initState) send(m initMsg, rights []byte) {
	b, _ := json.Marshal(m)
	unix.Sendmsg(st.sock, b, rights, nil, 0)
}

func (st *initState) fail(e *StageError) { st.send(initMsg{Type: msgError, Err: e}, nil) }

func (st *initState) warn(format string) { st.send(initMsg{Type: msgWarn, Warn: format}, nil) }

// reap waits for every child (PID 1 inherits orphans) until CMD exits,
// and says how CMD ended and whether the sandbox's own limits did it.
func (st *initState) reap() exitReport {
	for {
		var ws unix.WaitStatus
		var ru unix.Rusage
		pid, err := unix.Wait4(-1, &ws, 0, &ru)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return exitReport{Code: 125}
		}
		if pid != st.cmdPid {
			continue
		}
		if ws.Exited() {
			return exitReport{Code: ws.ExitStatus()}
		}
		sig := ws.Signal()
		rep := exitReport{Code: 128 + int(sig), Signal: int(sig)}
		cpu := st.ic.Config.Rlimits.CPUTime
		used := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		switch {
		case sig == unix.SIGSYS:
			rep.Reason = ReasonSeccomp
		case sig == unix.SIGXCPU && cpu > 0:
			rep.Reason = ReasonCPUTime
		case sig == unix.SIGKILL && cpu > 0 && used >= time.Duration(cpu)*time.Second:
			rep.Reason = ReasonCPUTime
		}
		return rep
	}
}

func (st *initState) stageHostname() error {
	h := st.ic.Config.Hostname
	if h == "" {
		h = "ringfence"
	}
	if err := unix.Sethostname([]byte(h)); err != nil {
		return &StageError{Stage: "hostname", Op: "sethostname", Errno: errnoOf(err)}
	}
	return nil
}

// stageNetwork brings lo up in the new network namespace.
func (st *initState) stageNetwork() error {
	if st.ic.Config.Net != NetNone {
		return nil
	}
	s, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return &StageError{Stage: "network", Op: "socket", Errno: errnoOf(err)}
	}
	defer unix.Close(s)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(s, unix.SIOCGIFFLAGS, ifr); err != nil {
		return &StageError{Stage: "network", Op: "SIOCGIFFLAGS lo", Errno: errnoOf(err)}
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(s, unix.SIOCSIFFLAGS, ifr); err != nil {
		return &StageError{Stage: "network", Op: "SIOCSIFFLAGS lo up", Errno: errnoOf(err)}
	}
	return nil
}

// stageResolve finds CMD inside the sandbox's view, in CMD's PATH.
func (st *initState) stageResolve() error {
	ic := &st.ic
	st.dir = ic.Cwd
	if ic.Config.Chdir != "" {
		st.dir = ic.Config.Chdir
	}
	p := ic.Path
	if strings.Contains(p, "/") {
		if !filepath.IsAbs(p) {
			p = filepath.Join(st.dir, p)
		}
		st.path = p
		return nil
	}
	pathEnv := ""
	for _, kv := range ic.Env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			pathEnv = v
		}
	}
	for _, d := range filepath.SplitList(pathEnv) {
		if d == "" || !filepath.IsAbs(d) {
			continue
		}
		cand := filepath.Join(d, p)
		if fi, err := os.Stat(cand); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			st.path = cand
			return nil
		}
	}
	return &StageError{Stage: "resolve", Op: "look up in PATH", Path: p, Errno: unix.ENOENT,
		Msg: "not found in the sandbox's PATH (" + pathEnv + ")"}
}

// stageGate forks CMD through the C exec gate (gate_linux.c).
func (st *initState) stageGate() error {
	c := &st.ic.Config
	spec := &gateSpec{
		Path: st.path, Argv: st.ic.Args, Envp: st.ic.Env, Dir: st.dir,
		UID: c.UID, GID: c.GID, SetGroups: st.ic.SetGroups, CapLast: capLast(),
		NewSession: true, Dumpable: c.Notify, CTTY: c.TTY,
		KeepFDs: c.KeepFDs, LandlockFD: st.landlock, Filter: c.Filter, Notify: c.Notify,
	}
	if c.Notify {
		spec.SeccompFlag = unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	rl := c.Rlimits
	spec.Rlimits = append(spec.Rlimits, gateRlimit{Resource: unix.RLIMIT_CORE})
	if rl.Nofile > 0 {
		spec.Rlimits = append(spec.Rlimits, gateRlimit{unix.RLIMIT_NOFILE, rl.Nofile, rl.Nofile})
	}
	if rl.Fsize > 0 {
		spec.Rlimits = append(spec.Rlimits, gateRlimit{unix.RLIMIT_FSIZE, rl.Fsize, rl.Fsize})
	}
	if rl.CPUTime > 0 {
		spec.Rlimits = append(spec.Rlimits, gateRlimit{unix.RLIMIT_CPU, rl.CPUTime, rl.CPUTime + 1})
	}
	if rl.Nproc > 0 {
		spec.Rlimits = append(spec.Rlimits, gateRlimit{unix.RLIMIT_NPROC, rl.Nproc, rl.Nproc})
	}
	if rl.AS > 0 {
		spec.Rlimits = append(spec.Rlimits, gateRlimit{unix.RLIMIT_AS, rl.AS, rl.AS})
	}
	pid, listener, err := gateStart(spec)
	if err != nil {
		return err
	}
	st.cmdPid, st.listener = pid, listener
	if st.landlock >= 0 {
		unix.Close(st.landlock)
	}
	return nil
}

func errnoOf(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}
