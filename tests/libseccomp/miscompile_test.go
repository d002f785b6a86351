package libseccomp

import (
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// TestLibseccompMiscompiles records the libseccomp bugs the differential
// test found, as minimal profiles and the call each one gets wrong. In the
// first, libseccomp 2.5.4's x86_64 block compares the arch value, never
// loaded over, with syscall numbers (no "ld [0]" after the arch check), so
// every x86_64 rule is lost; TestGeneratedProfiles detects that shape and
// leaves such profiles out. The others are several rules for one syscall:
// libseccomp merges their comparison chains so that a block comparing one
// argument word is reached with another word in the accumulator; the
// generated profiles avoid those shapes (and several != rules on one
// argument, which disagreed once, on aarch64, in a profile not reduced to a
// minimal one here). The test
// checks that ringfence
// decides each call as the profile says (the assertion) and logs what
// libseccomp does, so a fixed libseccomp shows up in the log.
func TestLibseccompMiscompiles(t *testing.T) {
	for _, tc := range []struct {
		name, profile, syscall string
		args                   []uint64
		want                   string
		arch                   syscalls.Arch // default x86_64
	}{
		{"x86_64 block that never loads the syscall number",
			`{"defaultAction": "SCMP_ACT_KILL_THREAD", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], "syscalls": [
			{"names": ["vm86"], "action": "SCMP_ACT_LOG"},
			{"names": ["pidfd_send_signal"], "action": "SCMP_ACT_LOG", "args": [{"index": 3, "value": 5, "op": "SCMP_CMP_LE"}, {"index": 0, "value": 532554407, "op": "SCMP_CMP_LE"}, {"index": 5, "value": 268435456, "op": "SCMP_CMP_EQ"}]}]}`,
			"pidfd_send_signal", []uint64{0, 0, 0, 0, 0, 0x10000000}, "log", 0},
		{"two rules comparing two arguments in different orders",
			`{"defaultAction": "SCMP_ACT_KILL_PROCESS", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
			{"names": ["setregid"], "action": "SCMP_ACT_KILL_THREAD", "args": [{"index": 0, "value": 734057516, "op": "SCMP_CMP_GE"}, {"index": 2, "value": 256, "op": "SCMP_CMP_LE"}]},
			{"names": ["setregid"], "action": "SCMP_ACT_KILL_THREAD", "args": [{"index": 2, "value": 0, "op": "SCMP_CMP_LT"}, {"index": 0, "value": 4294967294, "op": "SCMP_CMP_LE"}]}]}`,
			"setregid", []uint64{0x2bd0d42c, 0, 0}, "kill-thread", 0},
		{"< then > on one 64-bit argument",
			`{"defaultAction": "SCMP_ACT_TRAP", "architectures": ["SCMP_ARCH_X86_64"], "syscalls": [
			{"names": ["putpmsg"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 4294967295, "op": "SCMP_CMP_LT"}]},
			{"names": ["putpmsg"], "action": "SCMP_ACT_LOG", "args": [{"index": 1, "value": 68719476736, "op": "SCMP_CMP_GT"}]}]}`,
			"putpmsg", []uint64{0, 0xffffffff}, "trap", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.arch == syscalls.ArchInvalid {
				tc.arch = syscalls.ArchX86_64
			}
			p, _, err := oci.Import([]byte(tc.profile), oci.ImportOptions{Arch: tc.arch, KernelVersion: "6.18"})
			if err != nil {
				t.Fatal(err)
			}
			prof, err := parseOCI(tc.profile)
			if err != nil {
				t.Fatal(err)
			}
			nr, _ := syscalls.Number(tc.arch, tc.syscall)
			d := bpf.SeccompData{Nr: int32(nr), Arch: tc.arch.AuditArch()}
			copy(d.Args[:], tc.args)
			if got := p.Decide(d).Action.String(); got != tc.want {
				t.Fatalf("%s%#x: the imported policy decides %s, want %s", tc.syscall, tc.args, got, tc.want)
			}
			ours, err := seccomp.Compile(p, seccomp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ret, err := bpf.Run(ours.Instructions, d)
			if err != nil {
				t.Fatal(err)
			}
			if got := seccomp.ActionFromRet(ret).String(); got != tc.want {
				t.Errorf("%s%#x: ringfence's filter returns %s, want %s", tc.syscall, tc.args, got, tc.want)
			}
			theirs, _ := libseccompProgram(t, rulesText(t, prof, p.BadArchAction()))
			ret, err = bpf.Run(theirs, d)
			if err != nil {
				t.Fatal(err)
			}
			if got := seccomp.ActionFromRet(ret).String(); got != tc.want {
				t.Logf("libseccomp still miscompiles this: %s%#x returns %s, the rules say %s", tc.syscall, tc.args, got, tc.want)
			} else {
				t.Logf("libseccomp now gets this right (%s)", got)
			}
		})
	}
}
