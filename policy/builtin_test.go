package policy

import (
	"bytes"
	"encoding/json"
	"os"
	"testing"
	"testing/fstest"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func constant(t *testing.T, name string) uint64 {
	t.Helper()
	v, ok := syscalls.ConstantFor(syscalls.Native, name)
	if !ok {
		t.Fatalf("no constant %s", name)
	}
	return v
}

func TestBuiltinAPI(t *testing.T) {
	names := BuiltinNames()
	if len(names) == 0 || names[0] != "default" {
		t.Fatalf("BuiltinNames() = %v", names)
	}
	if _, err := BuiltinSource("nonesuch"); err == nil {
		t.Error("BuiltinSource(nonesuch) succeeded")
	}
	if _, err := Builtin("../builtin/default"); err == nil {
		t.Error("Builtin accepted a path")
	}
}

// TestBuiltinDefault checks the decisions issue 3 asks of the default policy.
func TestBuiltinDefault(t *testing.T) {
	p, err := Builtin("default")
	if err != nil {
		t.Fatal(err)
	}
	eperm, enosys := seccomp.Errno(1), seccomp.Errno(38)
	if p.Default != eperm || p.Unknown == nil || *p.Unknown != enosys || p.BadArchAction() != seccomp.KillProcess || len(p.Arches) != 0 {
		t.Fatalf("header: default %v unknown %v bad-arch %v arches %v", p.Default, p.Unknown, p.BadArch, p.Arches)
	}
	garbage := uint64(0xffffffff_00000000)
	var calls []call
	for _, n := range []string{"ptrace", "process_vm_readv", "process_vm_writev", "mount", "umount2", "pivot_root",
		"chroot", "move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "setns", "keyctl", "add_key",
		"request_key", "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
		"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "reboot", "swapon", "swapoff",
		"open_by_handle_at", "name_to_handle_at", "acct", "quotactl", "syslog", "vhangup", "settimeofday",
		"clock_settime", "lookup_dcookie", "nfsservctl", "iopl", "ioperm"} {
		if _, ok := syscalls.Number(syscalls.Native, n); ok {
			calls = append(calls, call{name: n, want: eperm})
		}
	}
	newUser := constant(t, "CLONE_NEWUSER")
	calls = append(calls,
		call{name: "clone3", want: enosys},
		call{name: "clone", args: [6]uint64{constant(t, "CLONE_VM") | constant(t, "CLONE_THREAD")}, want: seccomp.Allow},
		call{name: "clone", args: [6]uint64{newUser}, want: eperm},
		call{name: "clone", args: [6]uint64{constant(t, "CLONE_NEWNET") | 17}, want: eperm},
		call{name: "unshare", args: [6]uint64{constant(t, "CLONE_FILES")}, want: seccomp.Allow},
		call{name: "unshare", args: [6]uint64{newUser}, want: eperm},
		call{name: "personality", args: [6]uint64{0}, want: seccomp.Allow},
		call{name: "personality", args: [6]uint64{8}, want: seccomp.Allow},
		call{name: "personality", args: [6]uint64{0xffffffff}, want: seccomp.Allow},
		call{name: "personality", args: [6]uint64{garbage | 0xffffffff}, want: seccomp.Allow},
		call{name: "personality", args: [6]uint64{constant(t, "READ_IMPLIES_EXEC")}, want: eperm},
		call{name: "personality", args: [6]uint64{constant(t, "ADDR_NO_RANDOMIZE")}, want: eperm},
		call{name: "ioctl", args: [6]uint64{1, constant(t, "TCGETS")}, want: seccomp.Allow},
		call{name: "ioctl", args: [6]uint64{1, constant(t, "TIOCSTI")}, want: eperm},
		// The 32-bit trap: garbage in the upper half must not slip TIOCSTI past the rule.
		call{name: "ioctl", args: [6]uint64{1, garbage | constant(t, "TIOCSTI")}, want: eperm},
		call{name: "ioctl", args: [6]uint64{1, constant(t, "TIOCLINUX")}, want: eperm},
		call{name: "socket", args: [6]uint64{constant(t, "AF_INET")}, want: seccomp.Allow},
		call{name: "socket", args: [6]uint64{constant(t, "AF_ALG")}, want: seccomp.Errno(97)},
		call{name: "socket", args: [6]uint64{garbage | constant(t, "AF_VSOCK")}, want: seccomp.Errno(97)},
		call{name: "prctl", args: [6]uint64{constant(t, "PR_SET_SECCOMP")}, want: seccomp.Allow},
		call{name: "seccomp", want: seccomp.Allow},
	)
	checkCalls(t, p, calls)

	// i386 and x32 calls from an x86_64 process are killed; unknown numbers get ENOSYS.
	for _, a := range syscalls.Native.CompanionArches() {
		nr := 3
		if a == syscalls.ArchX32 {
			nr |= syscalls.X32SyscallBit
		}
		if d := p.Decide(bpf.SeccompData{Nr: int32(nr), Arch: a.AuditArch()}); d.Action != seccomp.KillProcess {
			t.Errorf("%s call: %v, want kill-process", a, d.Action)
		}
	}
	if d := p.Decide(bpf.SeccompData{Nr: 4000, Arch: syscalls.Native.AuditArch()}); d.Action != enosys {
		t.Errorf("unknown syscall number: %v, want ENOSYS", d.Action)
	}
}

// Every syscall Docker's default profile allows unconditionally (without
// capabilities) is allowed, unless the default policy names it as denied.
func TestBuiltinDefaultCoversDocker(t *testing.T) {
	b, err := os.ReadFile("../../shared/testdata/docker-default-seccomp.json")
	if err != nil {
		b, err = os.ReadFile("/work/shared/testdata/docker-default-seccomp.json")
	}
	if err != nil {
		t.Fatal("Docker's default profile is not in ../shared/testdata (the shared test data must sit beside the repository)")
	}
	var prof struct {
		Syscalls []struct {
			Names    []string
			Args     []any
			Includes map[string]any
		}
	}
	if err := json.Unmarshal(b, &prof); err != nil {
		t.Fatal(err)
	}
	p, err := Builtin("default")
	if err != nil {
		t.Fatal(err)
	}
	denied := map[string]bool{}
	for _, r := range p.Rules {
		if r.When == nil && r.Action != seccomp.Allow {
			denied[r.Syscall] = true
		}
	}
	allowed := 0
	for _, s := range prof.Syscalls {
		if len(s.Args) > 0 || len(s.Includes) > 0 {
			continue
		}
		for _, n := range s.Names {
			nr, ok := syscalls.Number(syscalls.Native, n)
			if !ok || denied[n] {
				continue
			}
			d := p.Decide(bpf.SeccompData{Nr: int32(nr), Arch: syscalls.Native.AuditArch()})
			if d.Action != seccomp.Allow {
				t.Errorf("%s: Docker allows it, the default policy gives %s", n, d.Action)
			}
			allowed++
		}
	}
	if allowed < 250 {
		t.Errorf("only %d of Docker's allowed syscalls checked", allowed)
	}
}

// The default policy admits only the native ABI; it must resolve on every
// native architecture ringfence builds for, not only this one.
func TestBuiltinOtherNatives(t *testing.T) {
	for _, name := range []string{"default"} {
		src, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("\narch ")) {
			continue // the policy names its ABIs itself
		}
		for _, a := range []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchAArch64, syscalls.ArchRISCV64} {
			fsys := fstest.MapFS{
				"wrap.policy":         {Data: []byte("arch " + a.String() + "\ninclude \"" + name + ".policy\"\n")},
				"" + name + ".policy": {Data: src},
			}
			p, err := Load("wrap.policy", LoadOptions{FS: fsys})
			if err != nil {
				t.Errorf("%s on %s: %v", name, a, err)
				continue
			}
			if len(p.Rules) < 10 {
				t.Errorf("%s on %s: only %d rules", name, a, len(p.Rules))
			}
		}
	}
}

// TestBuiltinFor: the default policy as an aarch64 build resolves it admits
// aarch64 alone, with the aarch64-only rule and without the x86_64 ones,
// on whichever machine the test runs.
func TestBuiltinFor(t *testing.T) {
	p, err := BuiltinFor("default", syscalls.ArchAArch64)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Arches) != 1 || p.Arches[0] != syscalls.ArchAArch64 {
		t.Fatalf("arches %v, want [aarch64]", p.Arches)
	}
	eperm := seccomp.Errno(1)
	checkCalls(t, p, []call{
		{arch: syscalls.ArchAArch64, name: "renameat", want: seccomp.Allow}, // allow[aarch64] renameat
		{arch: syscalls.ArchAArch64, name: "read", want: seccomp.Allow},
		{arch: syscalls.ArchAArch64, name: "ptrace", want: eperm},
	})
	nr, _ := syscalls.Number(syscalls.ArchX86_64, "read")
	if d := p.Decide(bpf.SeccompData{Nr: int32(nr), Arch: syscalls.AuditArchX86_64}); d.Action != seccomp.KillProcess {
		t.Errorf("x86_64 read: %v, want kill-process (bad arch)", d.Action)
	}
	if _, err := BuiltinFor("nonesuch", syscalls.ArchAArch64); err == nil {
		t.Error("BuiltinFor(nonesuch) succeeded")
	}
}
