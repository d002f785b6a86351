package audit

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
)

// Mode is what the supervisor does with a notified syscall.
type Mode uint8

const (
	// Enforce answers as the policy says (errno, or kill) and reports.
	Enforce Mode = iota
	// Complain lets the syscall run and reports it once per syscall and
	// argument pattern.
	Complain
	// Learn lets every syscall run and records it.
	Learn
)

// seccompNotif is struct seccomp_notif.
type seccompNotif struct {
	ID    uint64
	PID   uint32
	Flags uint32
	Data  bpf.SeccompData
}

// seccompNotifResp is struct seccomp_notif_resp.
type seccompNotifResp struct {
	ID    uint64
	Val   int64
	Error int32
	Flags uint32
}

// Supervisor answers a sandbox's seccomp notifications.
type Supervisor struct {
	// Policy is the original policy (not the Reporting filter the kernel
	// runs): decisions and rule names come from it.
	Policy *seccomp.Policy
	// LoadPolicy, when Policy is nil, supplies it at the first notification:
	// a run in which nothing is denied never builds it. `ringfence run`
	// installs a precompiled filter for a built-in policy and parses the
	// policy text only here. If it fails, that call is denied (EPERM) and
	// Serve returns the error.
	LoadPolicy func() (*seccomp.Policy, error)
	Mode       Mode
	Report     func(Event) // called for each reported event (not concurrently)

	loaded *seccomp.Policy // what LoadPolicy returned (Serve's goroutine only)

	mu    sync.Mutex
	seen  map[string]bool
	kills int
}

// Kills is how many processes the supervisor killed for the policy.
func (s *Supervisor) Kills() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kills
}

// Serve answers notifications on the listener fd until every process using
// the filter has exited (POLLHUP) or stop is closed. It closes nothing (it
// sets O_NONBLOCK on fd's file: the kernel's RECV ignores it).
//
// The wait is Go's poller's, on a duplicate of fd: no thread of the
// supervisor sits blocked in poll for the sandbox's lifetime.
func (s *Supervisor) Serve(fd int, stop <-chan struct{}) error {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("seccomp listener: %w", err)
	}
	if err := unix.SetNonblock(dup, true); err != nil {
		unix.Close(dup)
		return fmt.Errorf("seccomp listener: %w", err)
	}
	f := os.NewFile(uintptr(dup), "seccomp-listener")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-stop:
			f.SetReadDeadline(time.Unix(1, 0)) // wakes the Read below
		case <-done:
		}
	}()
	for {
		var handled error
		hup := false
		err := rc.Read(func(lfd uintptr) bool {
			ready, err := listenerState(int(lfd))
			switch {
			case err != nil:
				handled = err
			case ready&unix.POLLIN != 0:
				handled = s.handleOne(int(lfd))
			case ready&(unix.POLLHUP|unix.POLLERR|unix.POLLNVAL) != 0:
				hup = true
			default:
				return false // nothing yet: the poller waits
			}
			return true
		})
		switch {
		case err != nil && errors.Is(err, os.ErrDeadlineExceeded):
			return nil // stopped
		case err != nil:
			return fmt.Errorf("seccomp listener: %w", err)
		case handled != nil:
			return handled
		case hup:
			return nil
		}
	}
}

// listenerState polls the listener without waiting.
func listenerState(fd int) (int16, error) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, 0)
		if err == nil {
			return fds[0].Revents, nil
		}
		if !errors.Is(err, unix.EINTR) {
			return 0, fmt.Errorf("poll seccomp listener: %w", err)
		}
	}
}

func (s *Supervisor) handleOne(fd int) error {
	var n seccompNotif
	if err := ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n)); err != nil {
		// ENOENT: the target died or was interrupted before we read it.
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EINTR) {
			return nil
		}
		return fmt.Errorf("SECCOMP_IOCTL_NOTIF_RECV: %w", err)
	}
	resp := seccompNotifResp{ID: n.ID}
	p, err := s.policy()
	if err != nil {
		resp.Error = -int32(unix.EPERM)
		_ = ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp))
		return err
	}
	d := p.Decide(n.Data)
	ev := s.event(fd, &n, d)
	switch {
	case s.Mode != Enforce:
		resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
	default:
		s.enforce(&n, d, &resp, &ev)
	}
	// The answer goes first: the target is blocked until it arrives.
	if err := ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&resp)); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("SECCOMP_IOCTL_NOTIF_SEND: %w", err)
	}
	s.report(ev)
	return nil
}

// policy returns the policy that decides, loading it on first use.
func (s *Supervisor) policy() (*seccomp.Policy, error) {
	switch {
	case s.Policy != nil:
		return s.Policy, nil
	case s.loaded != nil:
		return s.loaded, nil
	case s.LoadPolicy == nil:
		return nil, errors.New("the supervisor has no policy")
	}
	p, err := s.LoadPolicy()
	if err != nil {
		return nil, fmt.Errorf("loading the policy: %w", err)
	}
	s.loaded = p
	return p, nil
}

// enforce turns the policy's action into an answer to the kernel.
func (s *Supervisor) enforce(n *seccompNotif, d seccomp.Decision, resp *seccompNotifResp, ev *Event) {
	a := d.Action
	switch a.Kind {
	case seccomp.ActErrno:
		resp.Error = -int32(a.Data)
		ev.Outcome = "denied"
	case seccomp.ActKillProcess, seccomp.ActKillThread:
		// The kernel would kill with SIGSYS; the listener kills the whole
		// thread group with SIGKILL before the call can run.
		if tgid := threadGroup(int(n.PID)); tgid > 0 {
			_ = unix.Kill(tgid, unix.SIGKILL)
		}
		s.mu.Lock()
		s.kills++
		s.mu.Unlock()
		resp.Error = -int32(unix.EPERM)
		ev.Outcome = "killed"
	case seccomp.ActTrap:
		if tgid := threadGroup(int(n.PID)); tgid > 0 {
			_ = unix.Tgkill(tgid, int(n.PID), unix.SIGSYS)
		}
		resp.Error = -int32(unix.ENOSYS)
		ev.Outcome = "trapped"
	case seccomp.ActNotify:
		// The policy asked for a supervisor decision and none is configured:
		// deny.
		resp.Error = -int32(unix.EPERM)
		ev.Outcome = "denied (no notify handler)"
	default:
		resp.Flags = unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE
		ev.Outcome = "allowed"
	}
}

func (s *Supervisor) event(fd int, n *seccompNotif, d seccomp.Decision) Event {
	name := d.Name
	if name == "" {
		name = "#" + strconv.Itoa(int(n.Data.Nr))
	}
	decoded := DecodeArgs(d.Name, n.Data.Args)
	decoded = s.withPaths(fd, n, d.Name, decoded)
	ev := Event{
		Time: time.Now(), PID: int(n.PID), Arch: d.ABI.String(), Syscall: name, Nr: n.Data.Nr,
		Args: n.Data.Args, Decoded: decoded, Action: d.Action.String(), Rule: why(d),
	}
	if d.ABI == 0 {
		ev.Arch = fmt.Sprintf("audit arch %#x", n.Data.Arch)
	}
	ev.Exe, _ = os.Readlink("/proc/" + strconv.Itoa(int(n.PID)) + "/exe")
	switch s.Mode {
	case Complain:
		ev.Outcome = "would deny (complain mode)"
		ev.Allow = allowLine(d, decoded)
	case Learn:
		ev.Outcome = "recorded"
	default:
		ev.Allow = allowLine(d, decoded)
	}
	return ev
}

func (s *Supervisor) report(ev Event) {
	if s.Report == nil {
		return
	}
	if s.Mode == Complain {
		key := ev.Arch + " " + ev.Syscall + "(" + patternOf(ev) + ")"
		s.mu.Lock()
		if s.seen == nil {
			s.seen = map[string]bool{}
		}
		dup := s.seen[key]
		s.seen[key] = true
		s.mu.Unlock()
		if dup {
			return
		}
	}
	s.Report(ev)
}

// patternOf is the argument pattern complain mode reports once: decoded
// enumerations and flags, without pointers and paths that vary per call.
func patternOf(ev Event) string {
	var parts []string
	for _, d := range ev.Decoded {
		if _, v, _ := strings.Cut(d, "="); strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "\"") {
			continue
		}
		parts = append(parts, d)
	}
	return strings.Join(parts, ",")
}

// threadGroup returns the thread group id (the process) of a thread.
func threadGroup(tid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(tid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Tgid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

func ioctlPtr(fd int, req uint, p unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(p))
	if e != 0 {
		return e
	}
	return nil
}
