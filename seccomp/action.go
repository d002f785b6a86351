package seccomp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/syscalls"
)

// ActionKind is a seccomp return action.
type ActionKind uint8

const (
	ActInvalid ActionKind = iota
	ActKillProcess
	ActKillThread
	ActTrap
	ActErrno
	ActNotify // SECCOMP_RET_USER_NOTIF: the supervisor decides
	ActTrace
	ActLog
	ActAllow
)

// SECCOMP_RET_* values (linux/seccomp.h).
const (
	RetKillProcess uint32 = 0x80000000
	RetKillThread  uint32 = 0x00000000
	RetTrap        uint32 = 0x00030000
	RetErrno       uint32 = 0x00050000
	RetUserNotif   uint32 = 0x7fc00000
	RetTrace       uint32 = 0x7ff00000
	RetLog         uint32 = 0x7ffc0000
	RetAllow       uint32 = 0x7fff0000

	RetActionFull uint32 = 0xffff0000
	RetData       uint32 = 0x0000ffff
)

// MaxErrno is the largest errno a filter may return (MAX_ERRNO).
const MaxErrno = 4095

// Action is what a filter returns for a syscall: a kind and its 16-bit data
// (the errno for ActErrno, the tracer's message for ActTrace).
type Action struct {
	Kind ActionKind
	Data uint16
}

// Convenience values.
var (
	Allow       = Action{Kind: ActAllow}
	KillProcess = Action{Kind: ActKillProcess}
	KillThread  = Action{Kind: ActKillThread}
	Trap        = Action{Kind: ActTrap}
	Log         = Action{Kind: ActLog}
	Notify      = Action{Kind: ActNotify}
)

// Errno returns ERRNO(e).
func Errno(e uint16) Action { return Action{Kind: ActErrno, Data: e} }

// Trace returns TRACE(msg).
func Trace(msg uint16) Action { return Action{Kind: ActTrace, Data: msg} }

var kindRet = map[ActionKind]uint32{
	ActKillProcess: RetKillProcess, ActKillThread: RetKillThread, ActTrap: RetTrap,
	ActErrno: RetErrno, ActNotify: RetUserNotif, ActTrace: RetTrace, ActLog: RetLog, ActAllow: RetAllow,
}

var kindNames = map[ActionKind]string{
	ActKillProcess: "kill-process", ActKillThread: "kill-thread", ActTrap: "trap",
	ActErrno: "errno", ActNotify: "notify", ActTrace: "trace", ActLog: "log", ActAllow: "allow",
}

// Ret is the 32-bit SECCOMP_RET_* value the filter returns.
func (a Action) Ret() uint32 { return kindRet[a.Kind] | uint32(a.Data) }

// ActionFromRet decodes a filter's return value the way the kernel does:
// unknown action values behave as kill-process.
func ActionFromRet(ret uint32) Action {
	data := uint16(ret & RetData)
	switch ret & RetActionFull {
	case RetKillProcess:
		return KillProcess
	case RetKillThread:
		return KillThread
	case RetTrap:
		return Action{Kind: ActTrap, Data: data}
	case RetErrno:
		// The kernel caps errno at MAX_ERRNO.
		if data > MaxErrno {
			data = MaxErrno
		}
		return Errno(data)
	case RetUserNotif:
		return Notify
	case RetTrace:
		return Trace(data)
	case RetLog:
		return Log
	case RetAllow:
		return Allow
	}
	return KillProcess
}

// Precedence orders actions the way the kernel does when several filters
// return: a lower value wins (kill-process first, allow last).
func (a Action) Precedence() int32 { return int32(a.Ret() & RetActionFull) }

// Stricter reports whether a wins over b when both match one syscall: the
// kernel's order, then the lower data value so the choice is deterministic.
func (a Action) Stricter(b Action) bool {
	if a.Precedence() != b.Precedence() {
		return a.Precedence() < b.Precedence()
	}
	return a.Data < b.Data
}

func (a Action) String() string {
	name, ok := kindNames[a.Kind]
	if !ok {
		return fmt.Sprintf("action(%d)", a.Kind)
	}
	switch a.Kind {
	case ActErrno:
		if n, ok := syscalls.ErrnoName(a.Data); ok {
			return name + "(" + n + ")"
		}
		return fmt.Sprintf("%s(%d)", name, a.Data)
	case ActTrace:
		return fmt.Sprintf("%s(%d)", name, a.Data)
	}
	return name
}

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) {
	if _, ok := kindNames[a.Kind]; !ok {
		return nil, fmt.Errorf("invalid action kind %d", a.Kind)
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) error {
	v, err := ParseAction(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseAction reads the textual form: allow, log, notify, trap, kill-process
// (or kill), kill-thread, errno(EPERM) / errno(1), trace(N).
func ParseAction(s string) (Action, error) {
	s = strings.TrimSpace(s)
	name, arg, hasArg := strings.Cut(s, "(")
	if hasArg {
		if !strings.HasSuffix(arg, ")") {
			return Action{}, fmt.Errorf("action %q: missing ')'", s)
		}
		arg = strings.TrimSpace(strings.TrimSuffix(arg, ")"))
	}
	switch strings.TrimSpace(name) {
	case "allow":
		return noArg(Allow, s, hasArg)
	case "log":
		return noArg(Log, s, hasArg)
	case "notify", "user-notif":
		return noArg(Notify, s, hasArg)
	case "trap":
		return noArg(Trap, s, hasArg)
	case "kill-process", "kill":
		return noArg(KillProcess, s, hasArg)
	case "kill-thread":
		return noArg(KillThread, s, hasArg)
	case "errno":
		if !hasArg {
			return Action{}, fmt.Errorf("action %q: errno needs a value, for example errno(EPERM)", s)
		}
		e, err := parseErrno(arg)
		if err != nil {
			return Action{}, err
		}
		return Errno(e), nil
	case "trace":
		if !hasArg {
			return Action{}, fmt.Errorf("action %q: trace needs a value, for example trace(1)", s)
		}
		n, err := strconv.ParseUint(arg, 0, 16)
		if err != nil {
			return Action{}, fmt.Errorf("action %q: trace value must be 0..65535", s)
		}
		return Trace(uint16(n)), nil
	}
	return Action{}, fmt.Errorf("unknown action %q (known: allow, log, notify, trap, kill-process, kill-thread, errno(E...), trace(N))", s)
}

func noArg(a Action, s string, hasArg bool) (Action, error) {
	if hasArg {
		return Action{}, fmt.Errorf("action %q takes no value", s)
	}
	return a, nil
}

func parseErrno(s string) (uint16, error) {
	if n, err := strconv.ParseUint(s, 0, 32); err == nil {
		if n > MaxErrno {
			return 0, fmt.Errorf("errno %d out of range 0..%d", n, MaxErrno)
		}
		return uint16(n), nil
	}
	if v, ok := syscalls.ErrnoValue(s); ok {
		return v, nil
	}
	return 0, fmt.Errorf("unknown errno %q", s)
}
