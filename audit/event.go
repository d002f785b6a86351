// Package audit turns seccomp decisions into reports people can act on. The
// supervisor receives the syscalls a policy denies through seccomp user
// notification (Supervisor, Linux only), decides them again with the
// policy's reference semantics (seccomp.Policy.Decide) to name the rule or
// default that denied them, answers the kernel (errno, kill, or continue in
// complain and learn modes), and emits an Event: the syscall by name and
// ABI, its arguments decoded, the process, the deciding rule, and the policy
// line that would allow it.
//
// The filter the sandbox installs for reporting is Reporting(policy): every
// action stricter than notify becomes notify, everything else is unchanged,
// so allowed syscalls never leave the kernel and complain mode costs nothing
// while nothing is denied.
package audit

import (
	"fmt"
	"strings"
	"time"

	"github.com/ringfence/ringfence/seccomp"
)

// Event is one reported syscall.
type Event struct {
	Time    time.Time `json:"time"`
	PID     int       `json:"pid"`
	Exe     string    `json:"exe,omitempty"`
	Arch    string    `json:"arch"`
	Syscall string    `json:"syscall"` // "#nr" when the tables do not know it
	Nr      int32     `json:"nr"`
	Args    [6]uint64 `json:"args"`
	Decoded []string  `json:"decoded,omitempty"` // name=value per argument
	Action  string    `json:"action"`            // what the policy decides
	Outcome string    `json:"outcome"`           // what happened: denied, killed, allowed (complain), recorded
	Rule    string    `json:"rule"`              // the deciding rule's position, or "default", "unknown syscall", "arch not admitted"
	Allow   string    `json:"allow,omitempty"`   // a policy line that would allow it
}

// String is the one-line report printed on stderr.
func (e Event) String() string {
	var b strings.Builder
	args := strings.Join(e.Decoded, ", ")
	if e.Decoded == nil {
		args = "..."
	}
	fmt.Fprintf(&b, "ringfence: %s %s(%s) [%s] pid %d", e.Outcome, e.Syscall, args, e.Arch, e.PID)
	if e.Exe != "" {
		fmt.Fprintf(&b, " %s", e.Exe)
	}
	fmt.Fprintf(&b, ": %s by %s", e.Action, e.Rule)
	if e.Allow != "" {
		fmt.Fprintf(&b, "; to allow: %s", e.Allow)
	}
	return b.String()
}

// Reporting returns a copy of p whose denials reach the supervisor: every
// action stricter than notify (kill, trap, errno) becomes notify. The
// supervisor re-decides each notified call on the original p, so the order of
// actions (strictest wins) and which rule decided are preserved exactly.
func Reporting(p *seccomp.Policy) *seccomp.Policy { return loosenTo(p, seccomp.Notify) }

// Logging returns a copy of p in which every action stricter than log
// becomes log: complain mode on kernels without user notification, where the
// kernel's audit log (dmesg, auditd) is the report.
func Logging(p *seccomp.Policy) *seccomp.Policy { return loosenTo(p, seccomp.Log) }

// loosenTo replaces every action stricter than floor by floor.
func loosenTo(p *seccomp.Policy, floor seccomp.Action) *seccomp.Policy {
	q := *p
	lift := func(a seccomp.Action) seccomp.Action {
		if a.Stricter(floor) {
			return floor
		}
		return a
	}
	q.Default = lift(p.Default)
	q.BadArch = lift(p.BadArchAction())
	if p.Unknown != nil {
		u := lift(*p.Unknown)
		q.Unknown = &u
	}
	q.Rules = make([]seccomp.Rule, len(p.Rules))
	for i, r := range p.Rules {
		r.Action = lift(r.Action)
		q.Rules[i] = r
	}
	return &q
}

// Everything returns a policy that notifies every syscall of the admitted
// ABIs (learn mode); other ABIs keep p's bad-arch action.
func Everything(p *seccomp.Policy) *seccomp.Policy {
	return &seccomp.Policy{Default: seccomp.Notify, Arches: p.AdmittedArches(), BadArch: p.BadArchAction()}
}

// why names the rule or default that decided.
func why(d seccomp.Decision) string {
	if d.Rule != nil {
		if d.Rule.Source != "" {
			return "rule " + d.Rule.Source
		}
		return "a rule for " + d.Rule.Syscall
	}
	return d.Reason
}

// allowLine says how to allow the call: the policy line to add when a
// default decided (with a condition on the first enumerated argument where
// the tables name one: socket domain, prctl option, ioctl request), or the
// rule to change when a rule decided (strictest wins, so adding an allow
// rule would not help).
func allowLine(d seccomp.Decision, decoded []string) string {
	switch {
	case d.Reason == "arch not admitted":
		return "admit this ABI with an arch line (arch x86_64, i386) — it widens the attack surface"
	case d.Name == "":
		return "unknown allow — or update ringfence's syscall tables"
	case d.Rule != nil && d.Rule.When != nil:
		return "narrow the condition of the rule at " + d.Rule.Source
	case d.Rule != nil:
		return "remove the rule at " + d.Rule.Source + ", then: allow " + d.Name
	}
	line := "allow " + d.Name
	if cond := enumCondition(d.Name, decoded); cond != "" {
		line += " if " + cond
	}
	return line
}
