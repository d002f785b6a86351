// Package lint reads a compiled-to-IR policy the way an auditor would and
// warns about what makes it weak: allow-by-default, foreign ABIs admitted,
// dangerous syscalls reachable, asymmetries between syscalls that do the
// same thing, kill-thread where kill-process was meant, and rules that can
// never match. The checks work on the IR, so they apply alike to ringfence
// policies and imported OCI/Docker profiles.
package lint

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Severity orders findings.
type Severity uint8

const (
	Info Severity = iota
	Warning
	Danger
)

func (s Severity) String() string {
	return [...]string{"info", "warning", "danger"}[s]
}

// Finding is one thing an auditor would flag.
type Finding struct {
	Severity Severity `json:"severity"`
	Check    string   `json:"check"`
	Where    string   `json:"where,omitempty"` // file:line:col of the rule, when one is to blame
	Message  string   `json:"message"`
	Fix      string   `json:"fix,omitempty"` // the policy line that would fix it
}

func (f Finding) String() string {
	s := f.Severity.String() + ": " + f.Message
	if f.Where != "" {
		s = f.Where + ": " + s
	}
	if f.Fix != "" {
		s += "\n\tfix: " + f.Fix
	}
	return s + " [" + f.Check + "]"
}

// dangerous lists syscalls whose reachability an auditor flags, and why.
var dangerous = []struct {
	names  []string
	sev    Severity
	reason string
	fix    string
}{
	{[]string{"ptrace"}, Danger, "ptrace is reachable: a traced process's syscalls can be rewritten after the filter ran (before Linux 4.8) and other processes' memory read", "kill-process ptrace"},
	{[]string{"process_vm_readv", "process_vm_writev"}, Danger, "%s is reachable: it reads or writes the memory of other processes of the same user", "errno(EPERM) process_vm_readv, process_vm_writev"},
	{[]string{"io_uring_setup", "io_uring_enter", "io_uring_register"}, Danger, "%s is reachable: operations submitted through an io_uring never pass the seccomp filter", "errno(ENOSYS) io_uring_setup, io_uring_enter, io_uring_register"},
	{[]string{"bpf"}, Danger, "bpf is reachable: a large kernel attack surface", "errno(EPERM) bpf"},
	{[]string{"perf_event_open"}, Warning, "perf_event_open is reachable: side channels and a history of kernel bugs", "errno(EPERM) perf_event_open"},
	{[]string{"userfaultfd"}, Warning, "userfaultfd is reachable: it makes kernel race conditions easy to win", "errno(EPERM) userfaultfd"},
	{[]string{"keyctl", "add_key", "request_key"}, Warning, "%s is reachable: the kernel keyring is not namespaced", "errno(EPERM) keyctl, add_key, request_key"},
	{[]string{"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff"}, Danger, "%s is reachable: a host-wide operation", "kill-process @module, @reboot, @swap, kexec_load, kexec_file_load"},
	{[]string{"mount", "umount2", "pivot_root", "move_mount", "open_tree", "fsopen", "fsmount", "fspick", "fsconfig"}, Warning, "%s is reachable: mounts are a common escape path", "errno(EPERM) @mount"},
	{[]string{"setns", "unshare"}, Warning, "%s is reachable: new or other namespaces widen the kernel surface (user namespaces above all)", "allow unshare if !(flags & CLONE_NEWUSER)"},
	{[]string{"open_by_handle_at"}, Danger, "open_by_handle_at is reachable: with CAP_DAC_READ_SEARCH it opens any file on the filesystem (the 'shocker' escape)", "errno(EPERM) open_by_handle_at"},
}

// Check runs every check and returns the findings, most severe first.
func Check(p *seccomp.Policy) []Finding {
	c := checker{p: p}
	c.defaults()
	c.abis()
	c.reachable()
	c.asymmetries()
	c.killThread()
	c.neverMatch()
	c.unfilterable()
	sort.SliceStable(c.out, func(i, j int) bool { return c.out[i].Severity > c.out[j].Severity })
	return c.out
}

type checker struct {
	p   *seccomp.Policy
	out []Finding
}

func (c *checker) add(f Finding) { c.out = append(c.out, f) }

func permits(a seccomp.Action) bool {
	return a.Kind == seccomp.ActAllow || a.Kind == seccomp.ActLog
}

func (c *checker) defaults() {
	if permits(c.p.Default) {
		c.add(Finding{Danger, "allow-by-default", "", fmt.Sprintf("the default action is %s: every syscall not named is permitted, including ones added to future kernels", c.p.Default), "default errno(EPERM)"})
	}
	if c.p.Unknown == nil && c.p.Default.Kind == seccomp.ActKillProcess {
		c.add(Finding{Info, "unknown-syscalls", "", "syscalls newer than the tables get kill-process: libc and runtimes that probe new syscalls (clone3, faccessat2) will die instead of falling back", "unknown errno(ENOSYS)"})
	}
}

func (c *checker) abis() {
	for _, a := range c.p.AdmittedArches() {
		if a != syscalls.Native {
			for _, comp := range syscalls.Native.CompanionArches() {
				if a == comp {
					c.add(Finding{Danger, "foreign-abi", "", fmt.Sprintf("the %s ABI is admitted: a native process reaches it (int $0x80 for i386, bit 30 for x32), and policies written for %s rarely cover its multiplexed syscalls (socketcall, ipc)", a, syscalls.Native), "arch " + syscalls.Native.String()})
				}
			}
		}
	}
	if permits(c.p.BadArchAction()) {
		c.add(Finding{Danger, "foreign-abi", "", "calls from ABIs the policy does not admit are permitted (bad-arch " + c.p.BadArchAction().String() + ")", "bad-arch kill-process"})
	}
}

// outcomes returns the actions a syscall can get on the admitted ABIs where
// it exists, and the rule positions that permit it.
func (c *checker) outcomes(name string) (actions []seccomp.Action, where []string, exists bool) {
	unconditional := false
	for _, a := range c.p.AdmittedArches() {
		if _, ok := syscalls.Number(a, name); ok {
			exists = true
		}
	}
	if !exists {
		return nil, nil, false
	}
	for _, r := range c.p.Rules {
		if r.Syscall != name {
			continue
		}
		actions = append(actions, r.Action)
		if permits(r.Action) {
			where = append(where, r.Source)
		}
		if isTrue(r.When) && c.coversEveryABI(r) {
			// An unconditional rule always matches: the default never decides.
			unconditional = true
		}
	}
	if !unconditional {
		actions = append(actions, c.p.Default)
	}
	return actions, where, true
}

// coversEveryABI reports whether a rule's arch guard admits every admitted
// ABI on which its syscall exists.
func (c *checker) coversEveryABI(r seccomp.Rule) bool {
	if len(r.Arches) == 0 {
		return true
	}
	for _, a := range c.p.AdmittedArches() {
		if _, ok := syscalls.Number(a, r.Syscall); !ok {
			continue
		}
		guarded := false
		for _, g := range r.Arches {
			guarded = guarded || g == a
		}
		if !guarded {
			return false
		}
	}
	return true
}

func (c *checker) reachable() {
	for _, d := range dangerous {
		for _, name := range d.names {
			acts, where, ok := c.outcomes(name)
			if !ok || !anyPermits(acts) {
				continue
			}
			msg := d.reason
			if strings.Contains(msg, "%s") {
				msg = fmt.Sprintf(msg, name)
			}
			sev := d.sev
			if c.onlyConditionally(name) {
				// An argument condition narrows it; the auditor should read it.
				sev, msg = Info, msg+" (only under an argument condition: check that it excludes the risky uses)"
			}
			c.add(Finding{sev, "dangerous-syscall", first(where), msg, d.fix})
		}
	}
}

// onlyConditionally reports whether every way a syscall is permitted goes
// through a rule with an argument condition.
func (c *checker) onlyConditionally(name string) bool {
	if permits(c.p.Default) {
		for _, r := range c.p.Rules {
			if r.Syscall == name && isTrue(r.When) && c.coversEveryABI(r) {
				return !permits(r.Action)
			}
		}
		return false
	}
	for _, r := range c.p.Rules {
		if r.Syscall == name && permits(r.Action) && isTrue(r.When) {
			return false
		}
	}
	return true
}

// asymmetries flags syscall pairs that do the same thing but are treated
// differently, so the stricter rule can be bypassed by the other syscall.
func (c *checker) asymmetries() {
	pairs := [][]string{
		{"execve", "execveat"},
		{"open", "openat", "openat2", "creat"},
		{"clone", "clone3"},
		{"kill", "tkill", "tgkill", "pidfd_send_signal"},
		{"dup2", "dup3"},
		{"chmod", "fchmod", "fchmodat", "fchmodat2"},
		{"rename", "renameat", "renameat2"},
	}
	for _, group := range pairs {
		var looser, stricter []string
		for _, name := range group {
			acts, _, ok := c.outcomes(name)
			if !ok {
				continue
			}
			if allPermit(acts) {
				looser = append(looser, name)
			} else {
				stricter = append(stricter, name)
			}
		}
		if len(looser) > 0 && len(stricter) > 0 {
			c.add(Finding{Warning, "asymmetry", "", fmt.Sprintf("%s restricted but %s always permitted: they reach the same kernel code, so the restriction is bypassed", strings.Join(stricter, ", "), strings.Join(looser, ", ")), "give " + strings.Join(looser, ", ") + " the same rule (or errno(ENOSYS) so libc falls back)"})
		}
	}
}

func (c *checker) killThread() {
	if c.p.Default.Kind == seccomp.ActKillThread {
		c.add(Finding{Warning, "kill-thread", "", "the default action kills only the calling thread: the rest of the process goes on in an undefined state (Docker's SCMP_ACT_KILL means kill-thread)", "default kill-process"})
	}
	for _, r := range c.p.Rules {
		if r.Action.Kind == seccomp.ActKillThread {
			c.add(Finding{Warning, "kill-thread", r.Source, "kill-thread for " + r.Syscall + ": the rest of the process goes on; kill-process was probably meant", "kill-process " + r.Syscall})
		}
	}
}

// neverMatch flags rules that can never decide: shadowed by an unconditional
// stricter rule, naming no syscall of an admitted ABI, or with a condition
// that no argument value satisfies.
func (c *checker) neverMatch() {
	for i, r := range c.p.Rules {
		if _, _, ok := c.outcomes(r.Syscall); !ok {
			c.add(Finding{Warning, "never-matches", r.Source, fmt.Sprintf("%s does not exist on any admitted ABI (%s)", r.Syscall, archList(c.p.AdmittedArches())), ""})
			continue
		}
		if r.When != nil && unsatisfiable(r.When) {
			c.add(Finding{Warning, "never-matches", r.Source, fmt.Sprintf("the condition of this %s rule (%s) holds for no argument value", r.Syscall, r.When), ""})
			continue
		}
		for j, o := range c.p.Rules {
			if i != j && o.Syscall == r.Syscall && isTrue(o.When) && c.coversEveryABI(o) && o.Action.Stricter(r.Action) {
				c.add(Finding{Warning, "never-matches", r.Source, fmt.Sprintf("this %s rule never decides: %s %s always wins (strictest action wins)", r.Syscall, o.Action, o.Source), ""})
				break
			}
		}
	}
}

// unsatisfiable recognises conditions that are false for every input: the
// common mistakes, not a solver.
func unsatisfiable(e seccomp.Expr) bool {
	switch x := e.(type) {
	case seccomp.Cmp:
		return cmpNever(x)
	case seccomp.And:
		for _, m := range x {
			if unsatisfiable(m) {
				return true
			}
		}
		return conflictingEqualities(x)
	case seccomp.Or:
		for _, m := range x {
			if !unsatisfiable(m) {
				return false
			}
		}
		return true
	}
	return false
}

func cmpNever(c seccomp.Cmp) bool {
	v, m := c.Value, c.Mask
	if c.Width32 {
		if c.Op == seccomp.OpEq && v > 0xffffffff {
			return true
		}
		v, m = uint64(uint32(v)), uint64(uint32(m))
	}
	switch c.Op {
	case seccomp.OpMaskedEq:
		return v&^m != 0
	case seccomp.OpLt:
		return !c.Signed && v == 0
	}
	return false
}

func conflictingEqualities(and seccomp.And) bool {
	seen := map[uint8]uint64{}
	for _, m := range and {
		c, ok := m.(seccomp.Cmp)
		if !ok || c.Op != seccomp.OpEq || c.Width32 {
			continue
		}
		if v, dup := seen[c.Arg]; dup && v != c.Value {
			return true
		}
		seen[c.Arg] = c.Value
	}
	return false
}

func isTrue(e seccomp.Expr) bool {
	if e == nil {
		return true
	}
	_, ok := e.(seccomp.True)
	return ok
}

func anyPermits(acts []seccomp.Action) bool {
	for _, a := range acts {
		if permits(a) {
			return true
		}
	}
	return false
}

func allPermit(acts []seccomp.Action) bool {
	for _, a := range acts {
		if !permits(a) {
			return false
		}
	}
	return len(acts) > 0
}

func first(xs []string) string {
	if len(xs) > 0 {
		return xs[0]
	}
	return ""
}

func archList(as []syscalls.Arch) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}

// unfilterable names syscalls the kernel runs without consulting seccomp
// (x86_64, Linux 6.12+: uretprobe and uprobe act only on the kernel's own
// uprobes), when the policy would deny them: the rule is not obeyed.
func (c *checker) unfilterable() {
	for _, name := range []string{"uretprobe", "uprobe"} {
		acts, where, ok := c.outcomes(name)
		if !ok || allPermit(acts) {
			continue
		}
		c.add(Finding{Info, "unfilterable", first(where), name + " bypasses seccomp on x86_64 since Linux 6.12 (the kernel passes it through unfiltered): denying it has no effect", ""})
	}
}
