package verify

import (
	"os"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func load(t *testing.T, src string) *seccomp.Policy {
	t.Helper()
	p, err := policy.LoadSource("t.policy", []byte(src), policy.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func compile(t *testing.T, p *seccomp.Policy) []bpf.Instruction {
	t.Helper()
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return prog.Instructions
}

// TestCompiledFilterMatchesPolicy: the compiled program (as the kernel would
// run it) agrees with the policy at every point, for the built-in default
// policy and Docker's profile.
func TestCompiledFilterMatchesPolicy(t *testing.T) {
	def, err := policy.Builtin("default")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../../shared/testdata/docker-default-seccomp.json")
	if err != nil {
		t.Fatalf("Docker's default profile: %v", err)
	}
	docker, _, err := oci.Import(data, oci.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]*seccomp.Policy{"default": def, "docker": docker} {
		pts := Points(p)
		r := Compare(PolicyDecider(p), FiltersDecider([][]bpf.Instruction{compile(t, p)}), pts, 5)
		if r.Total != 0 {
			t.Errorf("%s: %d of %d points differ: %v", name, r.Total, r.Points, r.Differences)
		}
		t.Logf("%s: %d points agree", name, r.Points)
	}
}

// TestDiffFindsTheChangedRule: a one-line change is found, with the right
// syscall and both actions, and nothing else differs.
func TestDiffFindsTheChangedRule(t *testing.T) {
	a := load(t, "default errno(EPERM)\nallow read, write\nallow socket if domain == AF_UNIX\n")
	b := load(t, "default errno(EPERM)\nallow read, write\nallow socket if domain == AF_UNIX || domain == AF_INET\n")
	r := Compare(PolicyDecider(a), PolicyDecider(b), Points(a, b), 0)
	if r.Total == 0 {
		t.Fatal("no difference found")
	}
	afInet, _ := syscalls.Constant("AF_INET")
	for _, d := range r.Differences {
		if d.Syscall != "socket" || uint32(d.Data.Args[0]) != uint32(afInet) || d.A != seccomp.Errno(1) || d.B != seccomp.Allow {
			t.Errorf("unexpected difference %s", d)
		}
	}
}

// TestStackedFilters: with two filters installed the strictest action wins,
// as in the kernel.
func TestStackedFilters(t *testing.T) {
	allowAll := load(t, "default allow\n")
	denyRead := load(t, "default allow\nerrno(EACCES) read\n")
	killWrite := load(t, "default allow\nkill-process write\nerrno(EPERM) read\n")
	dec := FiltersDecider([][]bpf.Instruction{compile(t, denyRead), compile(t, allowAll), compile(t, killWrite)})
	nr := func(n string) int32 { v, _ := syscalls.Number(syscalls.Native, n); return int32(v) }
	arch := syscalls.Native.AuditArch()
	for _, tc := range []struct {
		call string
		want seccomp.Action
	}{{"read", seccomp.Errno(13)}, {"write", seccomp.KillProcess}, {"getpid", seccomp.Allow}} {
		if got := dec(bpf.SeccompData{Nr: nr(tc.call), Arch: arch}); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.call, got, tc.want)
		}
	}
}
