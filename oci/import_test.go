package oci

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// goCompare is libseccomp's comparison in Go arithmetic: unsigned, with
// masked-equal's datum masked.
func goCompare(op string, x, v, v2 uint64) bool {
	switch op {
	case "SCMP_CMP_NE":
		return x != v
	case "SCMP_CMP_LT":
		return x < v
	case "SCMP_CMP_LE":
		return x <= v
	case "SCMP_CMP_EQ":
		return x == v
	case "SCMP_CMP_GE":
		return x >= v
	case "SCMP_CMP_GT":
		return x > v
	case "SCMP_CMP_MASKED_EQ":
		return x&v == v2&v
	}
	panic(op)
}

func TestEveryOperatorOnEveryWidth(t *testing.T) {
	ops := []string{"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ"}
	values := []struct{ v, v2 uint64 }{
		{0, 0}, {5, 0}, {0xffffffff, 0}, {1 << 32, 0}, {0x1_0000_0005, 0}, {1 << 63, 0}, {^uint64(0), 0},
		{0xff00, 0x1200}, {0xffff_0000_0000_00ff, 0x1234_0000_0000_0012}, // valueTwo outside the mask: masked away
	}
	for _, op := range ops {
		for _, val := range values {
			prof := fmt.Sprintf(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
				"syscalls": [{"names": ["personality"], "action": "SCMP_ACT_ALLOW",
				"args": [{"index": 2, "value": %d, "valueTwo": %d, "op": %q}]}]}`, val.v, val.v2, op)
			p := mustImport(t, []byte(prof), ImportOptions{Arch: syscalls.ArchX86_64})
			probes := valuePool([]uint64{val.v, val.v2})
			for _, abi := range []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386, syscalls.ArchX32} {
				for _, x := range probes {
					d := call(t, abi, "personality", 0, 0, x)
					var want bool
					if domainOf(abi) == dom64 {
						want = goCompare(op, x, val.v, val.v2)
					} else {
						// libseccomp on i386 and x32: low halves of both sides.
						want = goCompare(op, x&0xffffffff, val.v&0xffffffff, val.v2&0xffffffff)
					}
					got := p.Decide(d).Action == seccomp.Allow
					if got != want {
						t.Errorf("%s %#x/%#x on %v, arg %#x: matched %v, want %v", op, val.v, val.v2, abi, x, got, want)
					}
				}
			}
		}
	}
}

func TestActions(t *testing.T) {
	cases := []struct {
		action   string
		errnoRet string
		want     seccomp.Action
	}{
		{"SCMP_ACT_KILL", "", seccomp.KillThread}, // libseccomp's SCMP_ACT_KILL is kill-thread
		{"SCMP_ACT_KILL_THREAD", "", seccomp.KillThread},
		{"SCMP_ACT_KILL_PROCESS", "", seccomp.KillProcess},
		{"SCMP_ACT_TRAP", "", seccomp.Trap},
		{"SCMP_ACT_ERRNO", "", seccomp.Errno(1)}, // runc's default: EPERM
		{"SCMP_ACT_ERRNO", `, "errnoRet": 38`, seccomp.Errno(38)},
		{"SCMP_ACT_ERRNO", `, "errnoRet": 0`, seccomp.Errno(0)},
		{"SCMP_ACT_TRACE", "", seccomp.Trace(1)},
		{"SCMP_ACT_TRACE", `, "errnoRet": 4242`, seccomp.Trace(4242)},
		{"SCMP_ACT_ALLOW", "", seccomp.Allow},
		{"SCMP_ACT_LOG", "", seccomp.Log},
		{"SCMP_ACT_NOTIFY", "", seccomp.Notify},
	}
	for _, c := range cases {
		for _, def := range []bool{false, true} {
			var prof string
			if def {
				prof = fmt.Sprintf(`{"defaultAction": %q%s}`, c.action, strings.Replace(c.errnoRet, "errnoRet", "defaultErrnoRet", 1))
			} else {
				prof = fmt.Sprintf(`{"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [{"names": ["getpid"], "action": %q%s}]}`, c.action, c.errnoRet)
			}
			p, _, err := Import([]byte(prof), ImportOptions{Arch: syscalls.ArchX86_64})
			if err != nil {
				t.Errorf("%s: %v", prof, err)
				continue
			}
			got := p.Decide(call(t, syscalls.ArchX86_64, "getpid")).Action
			if c.action == "SCMP_ACT_KILL_PROCESS" && !def {
				continue // same as the default: runc drops the rule
			}
			if got != c.want {
				t.Errorf("%s: getpid gets %v, want %v", prof, got, c.want)
			}
		}
	}
}

func TestDefaultErrnoByName(t *testing.T) {
	p := mustImport(t, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrno": "ENOSYS"}`), ImportOptions{Arch: syscalls.ArchX86_64})
	if p.Default != seccomp.Errno(38) {
		t.Errorf("default %v, want errno(ENOSYS)", p.Default)
	}
}

func TestIncludesExcludes(t *testing.T) {
	cases := []struct {
		filter string
		arch   syscalls.Arch
		caps   []string
		kernel string
		want   bool
	}{
		{`"includes": {"arches": ["amd64"]}`, syscalls.ArchX86_64, nil, "6.1", true},
		{`"includes": {"arches": ["amd64"]}`, syscalls.ArchAArch64, nil, "6.1", false},
		{`"includes": {"arches": ["arm", "arm64"]}`, syscalls.ArchAArch64, nil, "6.1", true},
		{`"includes": {"arches": ["x86_64"]}`, syscalls.ArchX86_64, nil, "6.1", false}, // moby compares libseccomp's names
		{`"excludes": {"arches": ["amd64"]}`, syscalls.ArchX86_64, nil, "6.1", false},
		{`"excludes": {"arches": ["s390x"]}`, syscalls.ArchX86_64, nil, "6.1", true},
		{`"includes": {"caps": ["CAP_SYS_ADMIN"]}`, syscalls.ArchX86_64, nil, "6.1", false},
		{`"includes": {"caps": ["CAP_SYS_ADMIN"]}`, syscalls.ArchX86_64, []string{"CAP_SYS_ADMIN"}, "6.1", true},
		{`"includes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}`, syscalls.ArchX86_64, []string{"sys_admin"}, "6.1", false}, // all of them
		{`"includes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}`, syscalls.ArchX86_64, []string{"sys_admin", "bpf"}, "6.1", true},
		{`"excludes": {"caps": ["CAP_SYS_ADMIN", "CAP_BPF"]}`, syscalls.ArchX86_64, []string{"CAP_BPF"}, "6.1", false}, // any of them
		{`"excludes": {"caps": ["CAP_SYS_ADMIN"]}`, syscalls.ArchX86_64, nil, "6.1", true},
		{`"includes": {"minKernel": "4.8"}`, syscalls.ArchX86_64, nil, "4.8", true},
		{`"includes": {"minKernel": "4.8"}`, syscalls.ArchX86_64, nil, "4.7.10", false},
		{`"includes": {"minKernel": "4.8"}`, syscalls.ArchX86_64, nil, "4.19.0-26-amd64", true},
		{`"includes": {"minKernel": "5.10.3"}`, syscalls.ArchX86_64, nil, "5.10.2", false},
		{`"excludes": {"minKernel": "5.4"}`, syscalls.ArchX86_64, nil, "5.4", false},
		{`"excludes": {"minKernel": "5.4"}`, syscalls.ArchX86_64, nil, "5.3", true},
		{`"includes": {"arches": ["amd64"], "caps": ["CAP_SYS_ADMIN"]}, "excludes": {"minKernel": "7.0"}`, syscalls.ArchX86_64, []string{"CAP_SYS_ADMIN"}, "6.1", true},
	}
	for _, c := range cases {
		prof := fmt.Sprintf(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW", %s}]}`, c.filter)
		p, _, err := Import([]byte(prof), ImportOptions{Arch: c.arch, Caps: c.caps, KernelVersion: c.kernel})
		if err != nil {
			t.Errorf("%s: %v", c.filter, err)
			continue
		}
		got := p.Decide(call(t, c.arch, "getpid")).Action == seccomp.Allow
		if got != c.want {
			t.Errorf("%s on %v caps %v kernel %s: included %v, want %v", c.filter, c.arch, c.caps, c.kernel, got, c.want)
		}
	}
}

// TestRuncRuleSemantics pins what runc and libseccomp do with rule lists.
func TestRuncRuleSemantics(t *testing.T) {
	x86 := syscalls.ArchX86_64
	imp := func(syscallsJSON string) *seccomp.Policy {
		return mustImport(t, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [`+syscallsJSON+`]}`), ImportOptions{Arch: x86})
	}
	decide := func(p *seccomp.Policy, args ...uint64) seccomp.Action {
		return p.Decide(call(t, x86, "kill", args...)).Action
	}
	// Different indices: AND.
	p := imp(`{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}`)
	if decide(p, 1, 9) != seccomp.Allow || decide(p, 1, 2) == seccomp.Allow || decide(p, 2, 9) == seccomp.Allow {
		t.Error("conditions on different arguments must all hold (AND)")
	}
	// One index twice: runc adds one rule per condition, so OR -- of all
	// the conditions, even those on other arguments.
	p = imp(`{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}, {"index": 1, "value": 9, "op": "SCMP_CMP_EQ"}]}`)
	for _, c := range []struct {
		args []uint64
		want bool
	}{{[]uint64{1, 0}, true}, {[]uint64{2, 0}, true}, {[]uint64{3, 9}, true}, {[]uint64{3, 8}, false}} {
		if got := decide(p, c.args...) == seccomp.Allow; got != c.want {
			t.Errorf("repeated index, args %v: allowed %v, want %v", c.args, got, c.want)
		}
	}
	// A rule with the default action is dropped: the allow stands.
	p = imp(`{"names": ["kill"], "action": "SCMP_ACT_ALLOW"}, {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}`)
	if decide(p, 1) != seccomp.Allow {
		t.Error("a rule with the default action must be dropped, as runc does")
	}
	// The first unconditional rule replaces every other rule of the syscall.
	p = imp(`{"names": ["kill"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
		{"names": ["kill"], "action": "SCMP_ACT_ALLOW"},
		{"names": ["kill"], "action": "SCMP_ACT_KILL_PROCESS"},
		{"names": ["kill"], "action": "SCMP_ACT_TRAP", "args": [{"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}`)
	for _, x := range []uint64{0, 1, 2} {
		if got := decide(p, x); got != seccomp.Allow {
			t.Errorf("kill(%d) = %v, want allow (libseccomp keeps only the first unconditional rule)", x, got)
		}
	}
	// Overlapping conditional rules with different actions: the strictest
	// wins, with a warning.
	_, warns, err := Import([]byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
		{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_LT"}]},
		{"names": ["kill"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_GT"}]}]}`), ImportOptions{Arch: x86})
	if err != nil || len(warns) != 1 || !strings.Contains(warns[0].Msg, "can both match") {
		t.Errorf("overlapping rules: err %v, warnings %v; want one 'can both match' warning", err, warns)
	}
	_, warns, _ = Import([]byte(`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
		{"names": ["kill"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_LT"}]},
		{"names": ["kill"], "action": "SCMP_ACT_LOG", "args": [{"index": 0, "value": 5, "op": "SCMP_CMP_GE"}]}]}`), ImportOptions{Arch: x86})
	if len(warns) != 0 {
		t.Errorf("disjoint rules: unexpected warnings %v", warns)
	}
}

func TestArchitectures(t *testing.T) {
	cases := []struct {
		arches string
		native syscalls.Arch
		want   []syscalls.Arch
	}{
		{``, syscalls.ArchX86_64, []syscalls.Arch{syscalls.ArchX86_64}},
		{`"architectures": ["SCMP_ARCH_X86"]`, syscalls.ArchX86_64, []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386}}, // native always
		{`"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_MIPS"]`, syscalls.ArchX86_64, []syscalls.Arch{syscalls.ArchX86_64}},
		{`"archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}]`, syscalls.ArchX86_64, []syscalls.Arch{syscalls.ArchX86_64}},
		{`"archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}]`, syscalls.ArchAArch64, []syscalls.Arch{syscalls.ArchAArch64, syscalls.ArchARM}},
		{`"archMap": [{"architecture": "SCMP_ARCH_RISCV64", "subArchitectures": null}]`, syscalls.ArchRISCV64, []syscalls.Arch{syscalls.ArchRISCV64}},
	}
	for _, c := range cases {
		sep := ""
		if c.arches != "" {
			sep = ", "
		}
		p := mustImport(t, []byte(`{"defaultAction": "SCMP_ACT_ERRNO"`+sep+c.arches+`}`), ImportOptions{Arch: c.native})
		if !equalArches(p.Arches, c.want) {
			t.Errorf("%s on %v: admitted %v, want %v", c.arches, c.native, p.Arches, c.want)
		}
	}
}

func TestWarnings(t *testing.T) {
	_, warns, err := Import([]byte(`{"defaultAction": "SCMP_ACT_ERRNO", "listenerPath": "/run/agent.sock",
		"flags": ["SECCOMP_FILTER_FLAG_LOG"], "sycalls": [],
		"syscalls": [{"names": ["opne", "getpid"], "action": "SCMP_ACT_ALLOW", "errnoRet": 3}]}`), ImportOptions{Arch: syscalls.ArchX86_64, Filename: "w.json"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`w.json:1:53: listenerPath: warning: listenerPath is not supported`,
		`w.json:2:13: flags[0]: warning: flag SECCOMP_FILTER_FLAG_LOG`,
		`w.json:2:41: sycalls: warning: unknown field "sycalls" ignored, as Docker and runc ignore it (did you mean "syscalls"?)`,
		`w.json:3:27: syscalls[0].names[0]: warning: unknown syscall "opne" skipped`,
		`w.json:3:86: syscalls[0].errnoRet: warning: errnoRet is ignored for SCMP_ACT_ALLOW`,
	}
	var got []string
	for _, w := range warns {
		got = append(got, w.String())
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("missing warning %q in:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

// TestNoOpConditionMakesRuleUnconditional: libseccomp drops a masked
// compare whose mask is zero in the bits it compares on an ABI; the rule is
// then unconditional there and, being first, beats a later unconditional
// rule (checked against libseccomp 2.5.4's output).
func TestNoOpConditionMakesRuleUnconditional(t *testing.T) {
	p := mustImport(t, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "archMap": [{"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
		"syscalls": [
		{"names": ["connect"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 2, "value": 4294967296, "valueTwo": 5, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["connect"], "action": "SCMP_ACT_LOG"}]}`), ImportOptions{Arch: syscalls.ArchAArch64})
	if got := p.Decide(call(t, syscalls.ArchARM, "connect", 0, 0, 3)).Action; got != seccomp.Allow {
		t.Errorf("arm: %v, want allow (the mask has no low bits: an unconditional rule, first)", got)
	}
	if got := p.Decide(call(t, syscalls.ArchAArch64, "connect", 0, 0, 3)).Action; got != seccomp.Log {
		t.Errorf("aarch64: %v, want log (the first unconditional rule)", got)
	}
}
