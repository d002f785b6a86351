package oci

import (
	"strings"
	"testing"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

const (
	cloneNewUser = 0x10000000
	sigchld      = 17
	cloneVM      = 0x100
	eperm        = 1
	enosys       = 38
)

func TestDockerDefaultImport(t *testing.T) {
	data := readDocker(t)
	x86 := syscalls.ArchX86_64
	p, warns, err := Import(data, ImportOptions{Arch: x86, KernelVersion: "6.1.0", Filename: "docker.json"})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Log(w)
	}
	if want := []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386, syscalls.ArchX32}; !equalArches(p.Arches, want) {
		t.Errorf("admitted %v, want %v (archMap entry of x86_64 and its subArchitectures)", p.Arches, want)
	}
	if p.Default != seccomp.Errno(eperm) {
		t.Errorf("default %v, want errno(EPERM)", p.Default)
	}
	cases := []struct {
		abi  syscalls.Arch
		name string
		args []uint64
		want seccomp.Action
	}{
		{x86, "read", nil, seccomp.Allow},
		{x86, "ptrace", nil, seccomp.Allow}, // minKernel 4.8 <= 6.1
		{x86, "process_vm_readv", nil, seccomp.Allow},
		{x86, "mount", nil, seccomp.Errno(eperm)}, // CAP_SYS_ADMIN only
		{x86, "bpf", nil, seccomp.Errno(eperm)},
		{x86, "clone", []uint64{sigchld | cloneVM}, seccomp.Allow},
		{x86, "clone", []uint64{sigchld | cloneNewUser}, seccomp.Errno(eperm)},
		{x86, "clone3", nil, seccomp.Errno(enosys)}, // so glibc falls back to clone
		{x86, "socket", []uint64{2}, seccomp.Allow},
		{x86, "socket", []uint64{16}, seccomp.Allow},
		{x86, "socket", []uint64{38}, seccomp.Errno(eperm)}, // AF_ALG
		{x86, "socket", []uint64{39}, seccomp.Allow},
		{x86, "socket", []uint64{40}, seccomp.Errno(eperm)}, // AF_VSOCK
		{x86, "socket", []uint64{41}, seccomp.Allow},
		{x86, "personality", []uint64{0}, seccomp.Allow},
		{x86, "personality", []uint64{0xffffffff}, seccomp.Allow},
		{x86, "personality", []uint64{1 << 32}, seccomp.Errno(eperm)}, // 64-bit compare on x86_64
		{x86, "personality", []uint64{1}, seccomp.Errno(eperm)},
		{x86, "arch_prctl", nil, seccomp.Allow},
		{x86, "modify_ldt", nil, seccomp.Allow},
		{syscalls.ArchI386, "chown32", nil, seccomp.Allow},
		{syscalls.ArchI386, "personality", []uint64{8}, seccomp.Allow},
		{syscalls.ArchX32, "personality", []uint64{1 << 32}, seccomp.Allow}, // libseccomp: low half only on x32
		{syscalls.ArchX32, "clone", []uint64{0xffff_0000_0000_0000 | sigchld}, seccomp.Allow},
		{syscalls.ArchX32, "clone", []uint64{cloneNewUser}, seccomp.Errno(eperm)},
		{syscalls.ArchI386, "open_by_handle_at", nil, seccomp.Errno(eperm)},
	}
	for _, c := range cases {
		d := call(t, c.abi, c.name, c.args...)
		if got := p.Decide(d); got.Action != c.want {
			t.Errorf("%v %s(%#x) = %v (%s), want %v", c.abi, c.name, c.args, got.Action, ruleSource(got.Rule), c.want)
		}
	}
	// Other architectures and x32 calls without x32 get libseccomp's bad-arch kill-thread.
	if got := p.Decide(call(t, syscalls.ArchAArch64, "read")); got.Action != seccomp.KillThread {
		t.Errorf("aarch64 call on an x86_64 profile: %v, want kill-thread", got.Action)
	}
	// A source that points back into the file.
	d := p.Decide(call(t, x86, "clone3"))
	if d.Rule == nil || !strings.HasPrefix(d.Rule.Source, "docker.json:") || !strings.Contains(d.Rule.Source, "syscalls[20]") {
		t.Errorf("clone3 rule source %q, want docker.json:LINE:COL (syscalls[20])", ruleSource(d.Rule))
	}
}

func TestDockerDefaultOldKernelAndCaps(t *testing.T) {
	data := readDocker(t)
	x86 := syscalls.ArchX86_64
	old := mustImport(t, data, ImportOptions{Arch: x86, KernelVersion: "4.4.0-210-generic"})
	if got := old.Decide(call(t, x86, "ptrace")).Action; got != seccomp.Errno(eperm) {
		t.Errorf("ptrace on 4.4: %v, want errno(EPERM) (Docker allows it from 4.8)", got)
	}
	admin := mustImport(t, data, ImportOptions{Arch: x86, KernelVersion: "6.1", Caps: []string{"sys_admin"}})
	for _, c := range []struct {
		name string
		args []uint64
		want seccomp.Action
	}{
		{"mount", nil, seccomp.Allow},
		{"clone", []uint64{cloneNewUser}, seccomp.Allow},
		{"clone3", nil, seccomp.Allow},
		{"bpf", nil, seccomp.Allow},
		{"reboot", nil, seccomp.Errno(eperm)}, // needs CAP_SYS_BOOT
	} {
		if got := admin.Decide(call(t, x86, c.name, c.args...)).Action; got != c.want {
			t.Errorf("with CAP_SYS_ADMIN, %s = %v, want %v", c.name, got, c.want)
		}
	}
	ptr := mustImport(t, data, ImportOptions{Arch: x86, KernelVersion: "4.4", Caps: []string{"CAP_SYS_PTRACE"}})
	if got := ptr.Decide(call(t, x86, "ptrace")).Action; got != seccomp.Allow {
		t.Errorf("ptrace with CAP_SYS_PTRACE on 4.4: %v, want allow", got)
	}
}

func TestDockerDefaultAArch64(t *testing.T) {
	data := readDocker(t)
	a64, arm := syscalls.ArchAArch64, syscalls.ArchARM
	p := mustImport(t, data, ImportOptions{Arch: a64, KernelVersion: "6.1"})
	if want := []syscalls.Arch{a64, arm}; !equalArches(p.Arches, want) {
		t.Fatalf("admitted %v, want %v", p.Arches, want)
	}
	for _, c := range []struct {
		abi  syscalls.Arch
		name string
		args []uint64
		want seccomp.Action
	}{
		{a64, "openat", nil, seccomp.Allow},
		{arm, "cacheflush", nil, seccomp.Allow}, // includes.arches [arm, arm64] matches native arm64
		{arm, "set_tls", nil, seccomp.Allow},
		{a64, "clone", []uint64{cloneNewUser}, seccomp.Errno(eperm)},
		{arm, "clone", []uint64{sigchld}, seccomp.Allow},
		{a64, "personality", []uint64{1 << 32}, seccomp.Errno(eperm)},
		{arm, "personality", []uint64{8}, seccomp.Allow},
	} {
		if got := p.Decide(call(t, c.abi, c.name, c.args...)).Action; got != c.want {
			t.Errorf("%v %s(%#x) = %v, want %v", c.abi, c.name, c.args, got, c.want)
		}
	}
	if got := p.Decide(call(t, syscalls.ArchX86_64, "read")).Action; got != seccomp.KillThread {
		t.Errorf("x86_64 call on an aarch64 profile: %v, want kill-thread", got)
	}
	// arch_prctl is included for amd64 only: not a rule on aarch64 (and not a syscall there).
	for _, r := range p.Rules {
		if r.Syscall == "arch_prctl" || r.Syscall == "modify_ldt" {
			t.Errorf("rule for %s on an aarch64 profile", r.Syscall)
		}
	}
}

func equalArches(a, b []syscalls.Arch) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
