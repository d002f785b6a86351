package sandbox

import (
	"fmt"
	"syscall"
	"time"
)

// The supervisor and the init talk over one SOCK_SEQPACKET socketpair (one
// message per packet, so an fd can ride along with SCM_RIGHTS):
//
//	supervisor -> init   initConfig (once, JSON)
//	init -> supervisor   initMsg "warn"*, then "started" or "error",
//	                     then "exit" (JSON); "started" carries the seccomp
//	                     listener fd (SCM_RIGHTS) when Notify is set.
//
// The socket is never visible to CMD: the exec gate closes every fd but 0,
// 1, 2 and KeepFDs before execve.

// initConfig is what the init needs: the Config plus what the supervisor
// resolved on the host side (fd numbers of opened paths, identity mode).
type initConfig struct {
	Config Config   `json:"config"`
	Path   string   `json:"path"` // CMD as given (looked up in PATH inside)
	Args   []string `json:"args"` // argv, argv[0] included
	Env    []string `json:"env"`
	// Cwd is the caller's working directory: bound read-only at the same
	// path and used as CMD's cwd unless Config.Chdir is set.
	Cwd     string `json:"cwd"`
	CwdSrc  source `json:"cwd_src"`
	RootSrc source `json:"root_src"` // "/" or Config.RootFS
	// BindSrcs[i] is the source of Config.Mounts[i] (zero for tmpfs).
	BindSrcs []source `json:"bind_srcs"`
	// SetGroups is false when the user namespace denies setgroups (rootless).
	SetGroups bool `json:"set_groups"`
	// Timings asks the init to report how long each stage took.
	Timings bool `json:"timings,omitempty"`
}

// source is where a bind comes from. As root, the supervisor clones the
// mount tree itself (open_tree OPEN_TREE_CLONE: a detached copy, passed as
// FD), because the sandbox's host id (nobody) may not be able to reach the
// path, and a plain fd of the host's namespace cannot be bound in another
// mount namespace. Rootless, the init has the caller's own permissions and
// clones Path itself (FD is -1).
type source struct {
	FD   int    `json:"fd"`
	Path string `json:"path,omitempty"`
}

// Message types from the init.
const (
	msgWarn    = "warn"
	msgStarted = "started"
	msgError   = "error"
	msgExit    = "exit"
)

type initMsg struct {
	Type    string        `json:"type"`
	Pid     int           `json:"pid,omitempty"`
	Warn    string        `json:"warn,omitempty"`
	Err     *StageError   `json:"err,omitempty"`
	Exit    *exitReport   `json:"exit,omitempty"`
	Timings []StageTiming `json:"timings,omitempty"`
}

type exitReport struct {
	Code   int    `json:"code"`
	Signal int    `json:"signal,omitempty"`
	Reason Reason `json:"reason,omitempty"`
}

// StageTiming is how long one start-up stage took. The supervisor's
// stages are "supervisor" (validation, opening sources) and "spawn" (clone
// with the new namespaces, id maps, execve of the init and its Go runtime
// start, until the init's Init entry), then the init's: "config" (waiting
// for and decoding it), "mounts",
// "hostname", "network", "landlock", "resolve", "gate" (fork, drop, exec
// of CMD), and "report" (until Start returns).
type StageTiming struct {
	Stage    string        `json:"stage"`
	Duration time.Duration `json:"duration_ns"`
	At       int64         `json:"at,omitempty"` // init-entered: wall clock, Unix ns
}

// StageError is a failure of one containment step: the stage, the
// operation, an optional path and the errno, which errors.Is matches
// (errors.Is(err, syscall.EPERM)).
type StageError struct {
	Stage string        `json:"stage"`
	Op    string        `json:"op"`
	Path  string        `json:"path,omitempty"`
	Errno syscall.Errno `json:"errno,omitempty"`
	Msg   string        `json:"msg,omitempty"`
}

func (e *StageError) Error() string {
	s := fmt.Sprintf("sandbox stage %q: %s", e.Stage, e.Op)
	if e.Path != "" {
		s += " " + e.Path
	}
	if e.Errno != 0 {
		s += ": " + errnoName(e.Errno) + " (" + e.Errno.Error() + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	if h := stageHint(e); h != "" {
		s += "; " + h
	}
	return s
}

// Unwrap returns the errno, so errors.Is(err, syscall.EACCES) works.
func (e *StageError) Unwrap() error {
	if e.Errno == 0 {
		return nil
	}
	return e.Errno
}

// stageHint says what to change when a stage fails for a common reason.
func stageHint(e *StageError) string {
	switch {
	case e.Stage == "exec" && e.Errno == syscall.ENOENT:
		return "the program does not exist inside the sandbox: bind it with --ro-bind"
	case e.Stage == "exec" && e.Errno == syscall.EACCES:
		return "the program is not executable from there (writable mounts are noexec and Landlock forbids executing from them): put it in a read-only bind"
	case e.Stage == "landlock" && e.Errno == syscall.E2BIG:
		return "this kernel's Landlock is too old for the rules: use --no-landlock or a newer kernel"
	case e.Stage == "mounts" && (e.Errno == syscall.EACCES || e.Errno == syscall.EPERM):
		return "the sandbox's user cannot reach that path on the host"
	}
	return ""
}

// errnoName is the symbolic name (EPERM) of an errno, or "errno N".
func errnoName(e syscall.Errno) string {
	if n := unixErrnoName(e); n != "" {
		return n
	}
	return fmt.Sprintf("errno %d", int(e))
}

// gateSpec is what the Go init hands to the C exec gate (gate_linux.c).
type gateSpec struct {
	Path        string
	Argv, Envp  []string
	Dir         string
	UID, GID    int
	SetGroups   bool
	CapLast     int
	NewSession  bool
	CTTY        bool // make fd 0 the controlling terminal (--tty)
	Dumpable    bool // notify (forked child): PR_SET_DUMPABLE 1 so the init may pidfd_getfd
	KeepFDs     []int
	Rlimits     []gateRlimit
	LandlockFD  int // -1: none
	Filter      []byte
	Notify      bool
	SeccompFlag uint32
}

type gateRlimit struct {
	Resource int
	Cur, Max uint64
}
