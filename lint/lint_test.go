package lint

import (
	"strings"
	"testing"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func allowAll(names ...string) []seccomp.Rule {
	var rs []seccomp.Rule
	for _, n := range names {
		rs = append(rs, seccomp.Rule{Syscall: n, Action: seccomp.Allow, Source: "t.policy:1:1"})
	}
	return rs
}

func has(fs []Finding, check, substr string) bool {
	for _, f := range fs {
		if f.Check == check && strings.Contains(f.Message, substr) {
			return true
		}
	}
	return false
}

func TestChecks(t *testing.T) {
	eperm := seccomp.Errno(1)
	cases := []struct {
		name   string
		policy seccomp.Policy
		check  string
		substr string
		want   bool
	}{
		{"allow by default", seccomp.Policy{Default: seccomp.Allow}, "allow-by-default", "default action is allow", true},
		{"deny by default", seccomp.Policy{Default: eperm}, "allow-by-default", "", false},
		{"i386 admitted", seccomp.Policy{Default: eperm, Arches: []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386}}, "foreign-abi", "i386", true},
		{"native only", seccomp.Policy{Default: eperm}, "foreign-abi", "", false},
		{"io_uring reachable", seccomp.Policy{Default: eperm, Rules: allowAll("io_uring_setup")}, "dangerous-syscall", "io_uring_setup", true},
		{"ptrace reachable by default", seccomp.Policy{Default: seccomp.Allow}, "dangerous-syscall", "ptrace", true},
		{"ptrace denied", seccomp.Policy{Default: eperm}, "dangerous-syscall", "ptrace", false},
		{"execve/execveat asymmetry", seccomp.Policy{Default: eperm, Rules: allowAll("execveat")}, "asymmetry", "execve restricted but execveat", true},
		{"open asymmetry", seccomp.Policy{Default: eperm, Rules: append(allowAll("openat2"), seccomp.Rule{Syscall: "openat", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 2, Op: seccomp.OpEq, Value: 0, Width32: true}})}, "asymmetry", "openat2", true},
		{"kill-thread default", seccomp.Policy{Default: seccomp.KillThread}, "kill-thread", "kills only the calling thread", true},
		{"kill-thread rule", seccomp.Policy{Default: eperm, Rules: []seccomp.Rule{{Syscall: "read", Action: seccomp.KillThread}}}, "kill-thread", "read", true},
		{"shadowed rule", seccomp.Policy{Default: eperm, Rules: []seccomp.Rule{
			{Syscall: "socket", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1, Width32: true}},
			{Syscall: "socket", Action: seccomp.Errno(97)},
		}}, "never-matches", "never decides", true},
		{"impossible mask", seccomp.Policy{Default: eperm, Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpMaskedEq, Mask: 0xf, Value: 0x10}},
		}}, "never-matches", "holds for no argument value", true},
		{"conflicting equalities", seccomp.Policy{Default: eperm, Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow, When: seccomp.And{seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1}, seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 2}}},
		}}, "never-matches", "holds for no argument value", true},
		{"satisfiable condition", seccomp.Policy{Default: eperm, Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpMaskedEq, Mask: 0xf, Value: 0x1}},
		}}, "never-matches", "", false},
		{"unknown syscall name", seccomp.Policy{Default: eperm, Rules: allowAll("no_such_call")}, "never-matches", "does not exist", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fs := Check(&tc.policy)
			if got := has(fs, tc.check, tc.substr); got != tc.want {
				t.Errorf("finding %s %q present = %v, want %v; findings:\n%v", tc.check, tc.substr, got, tc.want, fs)
			}
		})
	}
}

func TestConditionalDangerIsInfo(t *testing.T) {
	p := seccomp.Policy{Default: seccomp.Errno(1), Rules: []seccomp.Rule{
		{Syscall: "unshare", Action: seccomp.Allow, When: seccomp.Not{X: seccomp.Cmp{Arg: 0, Op: seccomp.OpMaskedEq, Mask: 0x10000000, Value: 0x10000000}}},
	}}
	for _, f := range Check(&p) {
		if f.Check == "dangerous-syscall" && f.Severity != Info {
			t.Errorf("conditional allow of unshare reported as %s: %s", f.Severity, f)
		}
	}
}

// TestArchGuardCoveringEveryABIIsUnconditional: allow[x86_64] open in a
// native-only policy permits open everywhere it exists: no asymmetry.
func TestArchGuardCoveringEveryABIIsUnconditional(t *testing.T) {
	p := seccomp.Policy{Default: seccomp.Errno(1), Arches: []syscalls.Arch{syscalls.ArchX86_64}, Rules: []seccomp.Rule{
		{Syscall: "open", Action: seccomp.Allow, Arches: []syscalls.Arch{syscalls.ArchX86_64}},
		{Syscall: "openat", Action: seccomp.Allow},
		{Syscall: "openat2", Action: seccomp.Allow},
		{Syscall: "creat", Action: seccomp.Allow},
	}}
	if fs := Check(&p); has(fs, "asymmetry", "") {
		t.Errorf("false asymmetry: %v", fs)
	}
}

func TestUnfilterableSyscallsNamed(t *testing.T) {
	p := seccomp.Policy{Default: seccomp.Errno(1)}
	if fs := Check(&p); !has(fs, "unfilterable", "uretprobe") {
		t.Errorf("a policy denying uretprobe: no unfilterable finding: %v", fs)
	}
	p = seccomp.Policy{Default: seccomp.Errno(1), Rules: allowAll("uretprobe", "uprobe")}
	if fs := Check(&p); has(fs, "unfilterable", "") {
		t.Errorf("a policy allowing them was flagged: %v", fs)
	}
}
