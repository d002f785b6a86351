package worker

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/audit"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/seccomp"
)

// image is what every process of a worker (or a pool) shares: the root and
// the compiled filter.
type image struct {
	cfg    Config
	root   *sandbox.PipeRoot
	policy *seccomp.Policy
	filter []byte
}

func newImage(cfg Config) (*image, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	root, err := sandbox.NewPipeRoot(cfg.Binary)
	if err != nil {
		return nil, err
	}
	im := &image{cfg: cfg, root: root}
	if !cfg.Strict {
		if im.policy, err = policy.Builtin(PolicyName); err != nil {
			root.Close()
			return nil, err
		}
		prog, err := seccomp.Compile(audit.Reporting(im.policy), seccomp.Options{})
		if err != nil {
			root.Close()
			return nil, fmt.Errorf("worker: compiling the %s policy: %w", PolicyName, err)
		}
		im.filter = prog.Bytes()
	}
	return im, nil
}

// Worker is one worker program, restarted on demand. Its methods are safe
// for concurrent use; Call serves one request at a time.
type Worker struct {
	im       *image
	ownImage bool

	mu       sync.Mutex
	p        *process
	closed   bool
	restarts int
}

// Start starts a worker under pipe isolation.
func Start(cfg Config) (*Worker, error) {
	im, err := newImage(cfg)
	if err != nil {
		return nil, err
	}
	w := &Worker{im: im, ownImage: true}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := w.ensure(); err != nil {
		im.root.Close()
		return nil, err
	}
	return w, nil
}

// ensure starts a process if none runs. w.mu is held.
func (w *Worker) ensure() error {
	if w.p != nil {
		return nil
	}
	p, err := startProcess(w.im)
	if err != nil {
		return err
	}
	w.p = p
	return nil
}

// Call sends request as one frame and returns the worker's reply frame.
// The request times out at ctx's deadline, or after Config.Timeout when ctx
// has none. On failure the worker is killed and the error (an *Error)
// says why; the next Call runs on a new worker.
func (w *Worker) Call(ctx context.Context, request []byte) ([]byte, error) {
	if len(request) > w.im.cfg.MaxFrame {
		return nil, fmt.Errorf("worker: request of %d bytes is over the %d-byte frame limit (Config.MaxFrame)", len(request), w.im.cfg.MaxFrame)
	}
	start := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		if w.p != nil && w.p.exited() {
			// It died while idle (killed from outside, say): start afresh
			// rather than fail a request it never saw.
			w.p.stop()
			w.p = nil
		}
		if w.p == nil {
			if err := w.ensure(); err != nil {
				return nil, err
			}
			w.restarts++
		}
		if dl, ok := ctx.Deadline(); ok && !time.Now().Before(dl) {
			// The deadline passed while the worker was being restarted.
			return nil, &Error{Op: "request", Timeout: time.Since(start), Msg: "the deadline passed before the request was sent (the worker was being started)"}
		}
		reply, err := w.p.call(ctx, request, w.im.cfg)
		if err == nil {
			return reply, nil
		}
		w.p = nil
		// Nothing was read by a worker whose sandbox is already gone: once,
		// try again on a new one.
		if err != errNotDelivered || attempt > 0 {
			return nil, err
		}
	}
}

// errNotDelivered: the worker was gone before the request was written.
var errNotDelivered = &Error{Op: "request", Msg: "the worker was gone before the request was sent"}

// Restarts is how many times the worker has been started again after a
// failure.
func (w *Worker) Restarts() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.restarts
}

// Pid is the host pid of the running worker program (not of its sandbox's
// init), or 0 if none runs.
func (w *Worker) Pid() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.p == nil {
		return 0
	}
	return w.p.pid
}

// Close stops the worker (closing its stdin, then killing its sandbox) and
// removes its root.
func (w *Worker) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.p != nil {
		w.p.stop()
		w.p = nil
	}
	if w.ownImage {
		return w.im.root.Close()
	}
	return nil
}

// process is one running worker program and its sandbox.
type process struct {
	cmd    *sandbox.Cmd
	stdin  *os.File
	stdout *os.File
	pid    int // host pid of the worker program
	pidfd  int // pidfd of pid (readable once it exited), -1 if none
	strict bool

	done    chan struct{} // closed when the sandbox is gone
	waitErr error
	mu      sync.Mutex
	killed  *audit.Event // the call the policy killed it for
}

func startProcess(im *image) (*process, error) {
	cfg := im.cfg
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	c := sandbox.Command(im.root.Path(), cfg.Args...)
	c.Config = sandbox.PipeIsolation(im.root)
	c.Config.Rlimits.AS = cfg.Memory
	c.Config.HostUID, c.Config.HostGID = cfg.HostUID, cfg.HostUID
	c.Config.Limits = cfg.Limits
	if cfg.Strict {
		c.Config.SeccompOff = true
	} else {
		c.Config.Filter, c.Config.Notify = im.filter, true
	}
	c.Stdin, c.Stdout, c.Stderr = inR, outW, cfg.Stderr
	c.Log = cfg.Log
	err = c.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, &Error{Op: "start", Msg: err.Error()}
	}
	p := &process{cmd: c, stdin: inW, stdout: outR, done: make(chan struct{}), strict: cfg.Strict}
	stopServe := make(chan struct{})
	served := make(chan struct{})
	if c.NotifyFD != nil {
		sv := &audit.Supervisor{Policy: im.policy, Mode: audit.Enforce, Report: p.report}
		go func() {
			_ = sv.Serve(int(c.NotifyFD.Fd()), stopServe)
			close(served)
		}()
	} else {
		close(served)
	}
	go func() {
		err := c.Wait()
		close(stopServe)
		<-served
		if c.NotifyFD != nil {
			c.NotifyFD.Close()
		}
		p.waitErr = err
		close(p.done)
	}()
	p.pid, p.pidfd = childOf(c.Pid()), -1
	if p.pid > 0 {
		if fd, err := unix.PidfdOpen(p.pid, 0); err == nil {
			p.pidfd = fd
		}
	}
	if cfg.Ready {
		if err := p.awaitReady(cfg); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// report keeps the event of the call that got the worker killed.
func (p *process) report(ev audit.Event) {
	if ev.Outcome != "killed" {
		return
	}
	p.mu.Lock()
	if p.killed == nil {
		p.killed = &ev
	}
	p.mu.Unlock()
}

func (p *process) awaitReady(cfg Config) error {
	p.stdout.SetReadDeadline(time.Now().Add(cfg.Timeout))
	reply, err := readFrame(p.stdout, cfg.MaxFrame)
	if err != nil || len(reply) != 0 {
		msg := "no ready frame"
		if err == nil {
			msg = "the first frame was not the empty ready frame"
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			msg = fmt.Sprintf("no ready frame within %v", cfg.Timeout)
		}
		return p.fail("start", err, 0, msg)
	}
	if cfg.Strict {
		mode, err := seccompMode(p.pid)
		if err != nil || mode != 1 {
			return p.fail("start", nil, 0, fmt.Sprintf("Config.Strict: the worker did not enter SECCOMP_MODE_STRICT before it said ready (/proc/%d/status: Seccomp %d, %v)", p.pid, mode, err))
		}
	}
	return nil
}

func (p *process) call(ctx context.Context, request []byte, cfg Config) ([]byte, error) {
	deadline, ok := ctx.Deadline()
	timeout := max(time.Until(deadline), time.Nanosecond)
	if !ok {
		timeout = cfg.Timeout
		deadline = time.Now().Add(timeout)
	}
	p.stdin.SetWriteDeadline(deadline)
	p.stdout.SetReadDeadline(deadline)
	// Cancellation (not only deadlines) ends the wait at once.
	stop := context.AfterFunc(ctx, func() {
		p.stdin.SetWriteDeadline(time.Unix(1, 0))
		p.stdout.SetReadDeadline(time.Unix(1, 0))
	})
	defer stop()
	frame := make([]byte, 4+len(request))
	binary.BigEndian.PutUint32(frame, uint32(len(request)))
	copy(frame[4:], request)
	if _, err := p.stdin.Write(frame); err != nil {
		if errors.Is(err, syscall.EPIPE) {
			p.stop()
			return nil, errNotDelivered
		}
		return nil, p.fail("request", err, timeout, "")
	}
	reply, err := readFrame(p.stdout, cfg.MaxFrame)
	if err != nil {
		return nil, p.fail("reply", err, timeout, "")
	}
	return reply, nil
}

var errTooLong = errors.New("reply frame over the limit")

func readFrame(r io.Reader, max int) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(hdr[:])
	if uint64(n) > uint64(max) {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", errTooLong, n, max)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// fail tears the sandbox down and says why the request failed: the call
// the policy killed the worker for, a timeout, a framing error, or how the
// worker ended.
func (p *process) fail(op string, ioErr error, timeout time.Duration, msg string) error {
	timedOut := errors.Is(ioErr, os.ErrDeadlineExceeded)
	// A worker that died closes its stdout; give its sandbox a moment to
	// report the death before killing it ourselves.
	if !timedOut && msg == "" && !errors.Is(ioErr, errTooLong) {
		select {
		case <-p.done:
		case <-time.After(time.Second):
		}
	}
	p.stop()
	e := &Error{Op: op, Msg: msg}
	if timedOut && msg == "" {
		e.Timeout = timeout
	}
	if errors.Is(ioErr, errTooLong) {
		e.Msg = ioErr.Error()
	}
	p.mu.Lock()
	if p.killed != nil {
		e.Syscall, e.Rule = p.killed.Syscall, p.killed.Rule
		e.Timeout = 0
	}
	p.mu.Unlock()
	var ee *sandbox.ExitError
	if errors.As(p.waitErr, &ee) {
		e.Exit = ee
		if p.strict && ee.Signal == syscall.SIGKILL && e.Timeout == 0 && e.Msg == "" {
			e.Msg = "killed by SIGKILL: in SECCOMP_MODE_STRICT, the kernel's answer to any system call but read, write, exit and rt_sigreturn (strict mode names no syscall)"
		}
	}
	if e.Exit == nil && e.Syscall == "" && e.Timeout == 0 && e.Msg == "" {
		if p.waitErr != nil {
			e.Msg = p.waitErr.Error()
		} else {
			e.Msg = "the worker exited with status 0 in the middle of a request"
		}
	}
	return e
}

// exited reports whether the worker program has exited (its pidfd is
// readable) or its sandbox is gone: one poll(2), so that a worker that died
// while idle is replaced before a request is written into a pipe that only
// its dying sandbox still holds.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
	}
	if p.pidfd < 0 {
		return false
	}
	fds := []unix.PollFd{{Fd: int32(p.pidfd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return err == nil && n > 0
}

// stop closes the worker's stdin (a clean worker exits on EOF), kills its
// sandbox and waits for it to be gone.
func (p *process) stop() {
	p.stdin.Close()
	select {
	case <-p.done:
	default:
		_ = p.cmd.Signal(syscall.SIGKILL)
		<-p.done
	}
	p.stdout.Close()
	if p.pidfd >= 0 {
		unix.Close(p.pidfd)
		p.pidfd = -1
	}
}

// childOf is the host pid of the sandbox init's only child: the worker.
// The gate forks from whichever thread runs it, so every thread's children
// file is read.
func childOf(initPid int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", initPid))
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b)); len(f) > 0 {
			pid, _ := strconv.Atoi(f[0])
			return pid
		}
	}
	return 0
}

// seccompMode reads "Seccomp:" from /proc/PID/status.
func seccompMode(pid int) (int, error) {
	v, err := StatusField(pid, "Seccomp")
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(v)
}

// StatusField returns one field of /proc/PID/status ("Seccomp", "VmLck",
// "NoNewPrivs", ...), trimmed.
func StatusField(pid int, name string) (string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", err
	}
	for _, line := range bytes.Split(b, []byte("\n")) {
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && string(k) == name {
			return strings.TrimSpace(string(v)), nil
		}
	}
	return "", fmt.Errorf("/proc/%d/status has no %s field", pid, name)
}

// Pool is n workers of one binary sharing a root and a compiled filter;
// Call uses whichever is free.
type Pool struct {
	im      *image
	free    chan *Worker
	all     []*Worker
	closeMu sync.Once
}

// NewPool starts n workers.
func NewPool(cfg Config, n int) (*Pool, error) {
	if n < 1 {
		return nil, fmt.Errorf("worker: pool of %d workers: need at least 1", n)
	}
	im, err := newImage(cfg)
	if err != nil {
		return nil, err
	}
	pl := &Pool{im: im, free: make(chan *Worker, n)}
	for i := 0; i < n; i++ {
		w := &Worker{im: im}
		w.mu.Lock()
		err := w.ensure()
		w.mu.Unlock()
		if err != nil {
			pl.Close()
			return nil, err
		}
		pl.all = append(pl.all, w)
		pl.free <- w
	}
	return pl, nil
}

// Call runs request on a free worker, waiting for one until ctx ends.
func (pl *Pool) Call(ctx context.Context, request []byte) ([]byte, error) {
	select {
	case w := <-pl.free:
		defer func() { pl.free <- w }()
		return w.Call(ctx, request)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops every worker and removes the shared root.
func (pl *Pool) Close() error {
	pl.closeMu.Do(func() {
		for _, w := range pl.all {
			w.Close()
		}
	})
	return pl.im.root.Close()
}
