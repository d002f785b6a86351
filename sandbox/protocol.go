package sandbox

import (
	"fmt"
	"strings"
	"syscall"
	"time"
)

// The supervisor and the C init talk over one SOCK_SEQPACKET socketpair,
// one struct rf_msg per packet (init_linux.h), from the init only: an
// error, or "started" (with the seccomp listener fd by SCM_RIGHTS when
// Notify is set) and later "exit". The init's plan needs no message: the
// init is forked, not executed, and reads it from its copy of the
// supervisor's memory. The socket is never visible to CMD: the exec gate
// closes every fd but 0, 1, 2 and KeepFDs before execve.

type exitReport struct {
	Code   int    `json:"code"`
	Signal int    `json:"signal,omitempty"`
	Reason Reason `json:"reason,omitempty"`
}

// StageTiming is how long one start-up stage took. The supervisor's
// stages are "supervisor" (validation, planning, opening sources) and
// "spawn" (clone3 with the new namespaces until the init runs), then the
// init's: "setup" (fds, waiting for the id maps, cgroup and memfd setting,
// its ids), "mounts", "hostname", "network", "landlock", "resolve", "gate"
// (fork, drop, exec of CMD), and "report" (until Start returns).
type StageTiming struct {
	Stage    string        `json:"stage"`
	Duration time.Duration `json:"duration_ns"`
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
	case e.Stage == "post-exec" && strings.HasPrefix(e.Op, "mlockall") && (e.Errno == syscall.ENOMEM || e.Errno == syscall.EAGAIN):
		return "CMD maps more memory than RLIMIT_MEMLOCK lets it lock (" + memlockLimit() + "): raise the hard limit (ulimit -l; as root ringfence raises it when it holds CAP_SYS_RESOURCE) or drop --mlock"
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

// gateSpec is what the C exec gate (gate_linux.c) gets, planned by the
// supervisor; the init fills in the resolved path and the Landlock ruleset.
type gateSpec struct {
	Argv, Envp  []string
	Dir         string
	UID, GID    int
	CapLast     int
	NewSession  bool
	CTTY        bool // make fd 0 the controlling terminal (--tty)
	KeepFDs     []int
	Rlimits     []gateRlimit
	LandlockFD  int // -1: none
	Filter      []byte
	Notify      bool
	SeccompFlag uint32
	// PostExec: the filter, PR_SET_DUMPABLE 0 and mlockall are made in CMD
	// at its entry point, after execve (inject_linux.c).
	PostExec bool
	Mlock    bool
}

type gateRlimit struct {
	Resource int
	Cur, Max uint64
}
