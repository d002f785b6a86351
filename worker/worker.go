// Package worker moves risky code out of process: it runs a program that
// talks to nothing but a pipe (a parser of hostile input, a decoder, a
// converter) under ringfence's pipe isolation, sends it requests and reads
// its replies, restarts it when it dies, and says why it died.
//
//	func main() {
//		w, err := worker.Start(worker.Config{Binary: "./pngworker"})
//		...
//		reply, err := w.Call(ctx, pngBytes)
//		var we *worker.Error
//		if errors.As(err, &we) { ... we.Syscall == "openat" ... }
//		w.Close()
//	}
//
// # Isolation
//
// Each worker process runs in its own sandbox with sandbox.PipeIsolation:
// a root that holds only an execute-only copy of the binary (no /proc, /dev
// or /tmp), every namespace new, no network, no capabilities, no_new_privs,
// not dumpable, RLIMIT_NPROC 1, RLIMIT_AS Config.Memory, and the built-in
// "pipe-worker" seccomp policy (policy/builtin/pipe-worker.policy): read on
// fd 0, write on fds 1 and 2, exit, and what a static glibc binary needs to
// start. The binary must be static (gcc -static). Memory locking is the
// worker's own job: mlockall does not survive execve, so the launcher cannot
// do it; the policy admits mlockall(MCL_CURRENT|MCL_FUTURE), and the example
// worker calls it before reading any input. docs/pipe-isolation.md is the
// threat model: what holds, and the gaps.
//
// The filter goes through audit.Reporting: a call the policy kills reaches
// this process's audit.Supervisor first, which kills the worker and names
// the call, so Call's error says "openat denied by the pipe-worker policy"
// instead of only "killed by SIGKILL".
//
// With Config.Strict the worker is started with no filter at all and must
// enter SECCOMP_MODE_STRICT itself, then write an empty ready frame; Start
// reads the worker's /proc/PID/status and refuses (kills it) unless it says
// "Seccomp: 1". The kernel refuses strict mode on top of a filter (one
// seccomp mode per thread), which is why strict mode and the pipe-worker
// filter are alternatives. Strict mode kills with SIGKILL and has no
// notification, so a strict worker's death names no syscall.
//
// # Other processes
//
// A process outside the sandbox running as the worker's host uid cannot
// ptrace it or open its /proc/PID/mem or environ: the worker's credentials
// belong to the sandbox's user namespace, created (owned) by the caller, so
// the kernel's capability check (commoncap) wants CAP_SYS_PTRACE over that
// namespace; and the worker is not dumpable (sandbox.NewPipeRoot), which
// keeps its /proc files root-owned. It can send it signals, though: kill(2)
// compares uids only. Config.HostUID gives a worker a host uid of its own.
// Rootless, the caller owns the namespace and keeps all of these powers.
//
// # Framing
//
// Requests and replies are frames on the worker's stdin and stdout: a
// 4-byte big-endian unsigned length, then that many bytes. Frames longer
// than Config.MaxFrame (default 1 MiB, at most 64 MiB) are refused before
// anything is written (requests) or killed as a protocol error (replies).
// An optional empty frame from the worker right after start-up says it is
// ready (Config.Ready). The worker's stderr goes to Config.Stderr.
//
// # Lifecycle
//
// A Worker handles one request at a time (Call holds a mutex); use a Pool
// for parallelism. When a request fails because the worker died, timed out
// (the context's deadline, else Config.Timeout) or broke the framing, the
// worker's whole sandbox is killed and Call returns an *Error that says
// why; the next Call starts a fresh worker (lazily, so an idle Worker costs
// nothing after a crash). A worker that died between requests (killed from
// outside) is noticed before the next request is written (a poll of its
// pidfd) and replaced without failing that request. Restarts counts
// restarts. Close waits for a Call in progress.
//
// Why a hand-written framing instead of gRPC or a JSON stream: the worker
// side must be implementable in a few lines of C that make no system call
// but read and write.
package worker

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/ringfence/ringfence/cgroup"
	"github.com/ringfence/ringfence/sandbox"
)

// MaxFrameLimit is the largest Config.MaxFrame accepted.
const MaxFrameLimit = 64 << 20

// Defaults.
const (
	DefaultMaxFrame = 1 << 20
	DefaultTimeout  = 5 * time.Second
)

// PolicyName is the built-in policy workers run under.
const PolicyName = "pipe-worker"

// Config says what to run and how.
type Config struct {
	// Binary is the worker program on the host: a static ELF executable.
	Binary string
	// Args are its arguments (after argv[0]).
	Args []string
	// Timeout bounds each Call whose context has no deadline (default
	// DefaultTimeout). A request that takes longer gets the worker killed.
	Timeout time.Duration
	// MaxFrame caps request and reply sizes in bytes (default
	// DefaultMaxFrame, at most MaxFrameLimit).
	MaxFrame int
	// Memory is the worker's address-space limit in bytes (RLIMIT_AS;
	// default sandbox.PipeMemory).
	Memory uint64
	// Ready: the worker writes one empty frame once it has set itself up;
	// Start waits for it (within Timeout).
	Ready bool
	// Strict runs the worker without a seccomp filter; it must enter
	// SECCOMP_MODE_STRICT itself and then send the ready frame (Strict
	// implies Ready). Start checks /proc/PID/status says "Seccomp: 1".
	Strict bool
	// Limits are cgroup limits for each worker's sandbox (none by default:
	// RLIMIT_AS, RLIMIT_NPROC and the filter's kill of fork bound a worker
	// without them). MemoryBytes also forbids swap. The sandbox's init (one
	// process) shares the group: Pids 2 is the least that starts. Where cgroups cannot be created
	// (rootless without delegation) Start fails rather than run unlimited.
	Limits cgroup.Limits
	// HostUID is the host uid (and gid) the worker runs as when the caller
	// is root; 0 means sandbox.DefaultHostID (65534, shared with every other
	// sandbox). kill(2) only compares uids, so any process of the worker's
	// host uid can signal it: give workers a uid of their own to close that.
	HostUID int
	// Stderr receives the worker's stderr; nil discards it.
	Stderr io.Writer
	// Log receives the sandbox's warnings; nil discards them.
	Log *slog.Logger
}

func (c *Config) normalize() error {
	if c.Binary == "" {
		return errors.New("worker: Config.Binary is empty: name the worker program")
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxFrame == 0 {
		c.MaxFrame = DefaultMaxFrame
	}
	if c.MaxFrame < 0 || c.MaxFrame > MaxFrameLimit {
		return fmt.Errorf("worker: MaxFrame %d out of range 1..%d", c.MaxFrame, MaxFrameLimit)
	}
	if c.Memory == 0 {
		c.Memory = sandbox.PipeMemory
	}
	if c.Strict {
		c.Ready = true
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// ErrClosed is returned by Call after Close.
var ErrClosed = errors.New("worker: closed")

// ErrTimeout is wrapped by an *Error when a request ran out of time.
var ErrTimeout = errors.New("worker: request timed out")

// Error says why a request failed and how the worker ended. The worker has
// been killed and will be restarted by the next Call.
type Error struct {
	// Op is what failed: "start", "request" or "reply".
	Op string
	// Exit is how the worker process ended (nil if it had not yet when the
	// sandbox was torn down without a report).
	Exit *sandbox.ExitError
	// Syscall is the system call the pipe-worker policy killed the worker
	// for ("" when the policy did not kill it), and Rule the policy rule or
	// default that decided.
	Syscall, Rule string
	// Timeout is set when the request ran out of time.
	Timeout time.Duration
	// Msg says more (a framing error).
	Msg string
}

func (e *Error) Error() string {
	switch {
	case e.Syscall != "":
		return fmt.Sprintf("worker killed: %s denied by the %s policy (%s)", e.Syscall, PolicyName, e.Rule)
	case e.Timeout > 0 && e.Msg != "":
		return fmt.Sprintf("worker: request timed out after %v: %s", e.Timeout, e.Msg)
	case e.Timeout > 0:
		return fmt.Sprintf("worker killed: request timed out after %v", e.Timeout)
	case e.Msg != "" && e.Exit != nil:
		return fmt.Sprintf("worker %s: %s (%v)", e.Op, e.Msg, e.Exit)
	case e.Msg != "":
		return fmt.Sprintf("worker %s: %s", e.Op, e.Msg)
	case e.Exit != nil && e.Exit.Signal != 0:
		return fmt.Sprintf("worker died during %s: %v", e.Op, e.Exit)
	case e.Exit != nil:
		return fmt.Sprintf("worker exited during %s: %v", e.Op, e.Exit)
	}
	return fmt.Sprintf("worker died during %s", e.Op)
}

// Unwrap gives ErrTimeout for timeouts and the exit error otherwise.
func (e *Error) Unwrap() error {
	if e.Timeout > 0 {
		return ErrTimeout
	}
	if e.Exit != nil {
		return e.Exit
	}
	return nil
}
