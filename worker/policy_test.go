//go:build amd64

// The pipe-worker start-up list is measured on x86_64 only.

package worker_test

import (
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
	"github.com/ringfence/ringfence/worker"
)

// TestPipeWorkerPolicy checks the built-in pipe-worker policy's decisions,
// by its reference semantics and in the compiled filter (emulator), on
// x86_64 where the start-up list was measured.
func TestPipeWorkerPolicy(t *testing.T) {
	p, err := policy.Builtin(worker.PolicyName)
	if err != nil {
		t.Fatal(err)
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := func(name string) uint64 {
		v, ok := syscalls.ConstantFor(syscalls.Native, name)
		if !ok {
			t.Fatalf("no constant %s", name)
		}
		return v
	}
	allow, kill := seccomp.Allow, seccomp.KillProcess
	hi := uint64(0xffffffff_00000000)
	for _, tc := range []struct {
		name string
		args [6]uint64
		want seccomp.Action
	}{
		{"read", [6]uint64{0}, allow},
		{"read", [6]uint64{1}, kill},
		{"read", [6]uint64{3}, kill},
		{"write", [6]uint64{1}, allow},
		{"write", [6]uint64{2}, allow},
		{"write", [6]uint64{0}, kill},
		{"write", [6]uint64{hi | 5}, kill},
		{"exit", [6]uint64{}, allow},
		{"exit_group", [6]uint64{}, allow},
		{"rt_sigreturn", [6]uint64{}, allow},
		{"execve", [6]uint64{}, allow}, // the launcher's last call: see the policy
		{"execveat", [6]uint64{}, kill},
		{"brk", [6]uint64{}, allow},
		{"arch_prctl", [6]uint64{c("ARCH_SET_FS")}, allow},
		{"arch_prctl", [6]uint64{c("ARCH_SET_GS")}, kill},
		{"prlimit64", [6]uint64{0, 3, 0, 0x7000}, allow},
		{"prlimit64", [6]uint64{0, 3, 0x7000, 0}, kill}, // setting a limit
		{"prlimit64", [6]uint64{1, 3, 0, 0x7000}, kill}, // another process
		{"mprotect", [6]uint64{0, 4096, c("PROT_READ")}, allow},
		{"mprotect", [6]uint64{0, 4096, c("PROT_READ") | c("PROT_EXEC")}, kill},
		{"mmap", [6]uint64{0, 4096, c("PROT_READ") | c("PROT_WRITE"), c("MAP_PRIVATE") | c("MAP_ANONYMOUS")}, allow},
		{"mmap", [6]uint64{0, 4096, c("PROT_READ") | c("PROT_EXEC"), c("MAP_PRIVATE") | c("MAP_ANONYMOUS")}, kill},
		{"mmap", [6]uint64{0, 4096, c("PROT_READ"), c("MAP_PRIVATE")}, kill}, // a file mapping
		{"mlockall", [6]uint64{c("MCL_CURRENT") | c("MCL_FUTURE")}, allow},
		{"mlockall", [6]uint64{c("MCL_ONFAULT") | c("MCL_CURRENT")}, kill},
		{"prctl", [6]uint64{c("PR_SET_SECCOMP"), c("SECCOMP_MODE_STRICT")}, allow},
		{"prctl", [6]uint64{c("PR_SET_SECCOMP"), c("SECCOMP_MODE_FILTER")}, kill},
		{"prctl", [6]uint64{c("PR_SET_DUMPABLE"), 1}, kill},
		{"seccomp", [6]uint64{c("SECCOMP_SET_MODE_STRICT")}, allow},
		{"seccomp", [6]uint64{c("SECCOMP_SET_MODE_FILTER")}, kill},
		{"openat", [6]uint64{}, kill},
		{"socket", [6]uint64{c("AF_INET")}, kill},
		{"socket", [6]uint64{c("AF_UNIX")}, kill},
		{"fork", [6]uint64{}, kill},
		{"clone", [6]uint64{}, kill},
		{"ptrace", [6]uint64{}, kill},
		{"kill", [6]uint64{}, kill},
		{"ioctl", [6]uint64{}, kill},
		{"fstat", [6]uint64{}, kill},
	} {
		nr, ok := syscalls.Number(syscalls.Native, tc.name)
		if !ok {
			t.Fatalf("no syscall %s", tc.name)
		}
		data := bpf.SeccompData{Nr: int32(nr), Arch: syscalls.Native.AuditArch(), Args: tc.args}
		if d := p.Decide(data); d.Action != tc.want {
			t.Errorf("%s%v: policy decides %v, want %v", tc.name, tc.args[:4], d.Action, tc.want)
		}
		ret, err := bpf.Run(prog.Instructions, data)
		if err != nil {
			t.Fatal(err)
		}
		if got := seccomp.ActionFromRet(ret); got != tc.want {
			t.Errorf("%s%v: compiled filter returns %v, want %v", tc.name, tc.args[:4], got, tc.want)
		}
	}
	// Other ABIs and unknown numbers are killed.
	for _, a := range syscalls.Native.CompanionArches() {
		if d := p.Decide(bpf.SeccompData{Nr: 3, Arch: a.AuditArch()}); d.Action != kill {
			t.Errorf("%s call: %v, want kill-process", a, d.Action)
		}
	}
	if d := p.Decide(bpf.SeccompData{Nr: 4000, Arch: syscalls.Native.AuditArch()}); d.Action != kill {
		t.Errorf("unknown syscall: %v, want kill-process", d.Action)
	}
}
