package sandbox

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"
)

// Reason says why the sandbox itself ended CMD.
type Reason string

const (
	// ReasonNone: CMD exited or was killed by someone else.
	ReasonNone Reason = ""
	// ReasonSeccomp: the seccomp filter killed CMD (SIGSYS).
	ReasonSeccomp Reason = "seccomp"
	// ReasonMemory: the memory limit's OOM killer killed a process.
	ReasonMemory Reason = "memory"
	// ReasonTimeout: the wall-clock Timeout passed and the sandbox was killed.
	ReasonTimeout Reason = "timeout"
	// ReasonCPUTime: RLIMIT_CPU (--cpu-time) ran out.
	ReasonCPUTime Reason = "cpu-time"
)

// Cmd is a program to run in a sandbox, shaped like os/exec.Cmd. Build it
// with Command, adjust the fields, then Run, or Start and Wait. A Cmd
// cannot be reused.
type Cmd struct {
	// Path is the program, looked up in CMD's PATH inside the sandbox when
	// it has no slash.
	Path string
	// Args are the arguments, Args[0] included (Command sets it to name).
	Args []string
	// Env holds K=V entries added to the allowlisted part of the caller's
	// environment (PATH, HOME, TERM, LANG, LC_* and Config.KeepEnv); they
	// win over it (--env).
	Env []string
	// Dir is the host directory used as the working directory: it is bound
	// read-only at the same path inside, and CMD starts there unless
	// Config.Chdir says otherwise. Empty is the caller's working directory,
	// or / with Config.RootFS.
	Dir string

	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Config is the containment; its zero value is the secure default
	// (Filter still has to be set, or SeccompOff).
	Config Config

	// Log receives warnings (each loosening, a missing best-effort layer).
	// nil logs to slog.Default().
	Log *slog.Logger

	// Timings, when true, makes Start record the cost of each stage in
	// StageTimings.
	Timings bool

	// After Start: NotifyFD is the seccomp user-notification listener
	// (Config.Notify), owned by the caller; StageTimings are the measured
	// stage costs (Timings).
	NotifyFD     *os.File
	StageTimings []StageTiming

	sv *supervisor // platform state
}

// Command returns a Cmd that runs name with args under the default
// containment. Set Cmd.Config.Filter (or SeccompOff) before Start.
func Command(name string, arg ...string) *Cmd {
	return &Cmd{Path: name, Args: append([]string{name}, arg...)}
}

// Run starts the command and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

func (c *Cmd) logger() *slog.Logger {
	if c.Log != nil {
		return c.Log
	}
	return slog.Default()
}

// ExitError is returned by Wait when CMD did not exit with status 0.
type ExitError struct {
	// Code is the exit status as a shell reports it: the program's own
	// status, or 128+N when signal N killed it.
	Code int
	// Signal is the signal that killed CMD, 0 if it exited.
	Signal syscall.Signal
	// Reason is set when the sandbox itself ended CMD.
	Reason Reason
	// Detail says more about Reason ("memory limit 64 MiB reached", the
	// timeout value).
	Detail string
}

func (e *ExitError) Error() string {
	switch {
	case e.Reason == ReasonSeccomp:
		return fmt.Sprintf("killed by seccomp: %s", signalName(e.Signal))
	case e.Reason == ReasonTimeout:
		return fmt.Sprintf("killed: timeout of %s reached", e.Detail)
	case e.Reason == ReasonCPUTime:
		return fmt.Sprintf("killed: CPU time limit reached (%s)", signalName(e.Signal))
	case e.Reason == ReasonMemory && e.Detail != "":
		return "killed: " + e.Detail
	case e.Reason != ReasonNone:
		return fmt.Sprintf("killed by the %s limit (%s)", e.Reason, signalName(e.Signal))
	case e.Signal != 0:
		return fmt.Sprintf("killed by signal %s", signalName(e.Signal))
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

// ExitCode is the shell-style exit status (128+N for signal N).
func (e *ExitError) ExitCode() int { return e.Code }

// ExitCode returns CMD's shell-style exit status after Wait, or -1 if it
// has not exited.
func (c *Cmd) ExitCode() int {
	if c.sv == nil || !c.sv.done {
		return -1
	}
	return c.sv.exit.Code
}

func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return fmt.Sprintf("signal %d", int(s))
}

var signalNames = map[syscall.Signal]string{
	1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS",
	8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE",
	14: "SIGALRM", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ", 31: "SIGSYS",
}

// exitErrorFrom turns a report into Wait's result.
func exitErrorFrom(r exitReport, timeout time.Duration) error {
	if r.Code == 0 && r.Reason == ReasonNone {
		return nil
	}
	e := &ExitError{Code: r.Code, Signal: syscall.Signal(r.Signal), Reason: r.Reason}
	if r.Reason == ReasonTimeout {
		e.Detail = timeout.String()
	}
	return e
}
