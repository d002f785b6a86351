package audit

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func TestDecodeArg(t *testing.T) {
	c := func(name string) uint64 {
		v, ok := syscalls.Constant(name)
		if !ok {
			t.Fatalf("constant %s missing from the tables", name)
		}
		return v
	}
	socket := syscalls.Args("socket")
	openat := syscalls.Args("openat")
	if len(socket) < 2 || len(openat) < 3 {
		t.Fatalf("argument specs missing: socket %v openat %v", socket, openat)
	}
	cases := []struct {
		spec syscalls.ArgSpec
		v    uint64
		want string
	}{
		{socket[0], c("AF_INET6"), "AF_INET6"},
		{socket[0], c("AF_INET6") | 0xffffffff00000000, "AF_INET6"}, // garbage upper half of an int
		{socket[0], 12345, "12345"},
		{openat[2], c("O_WRONLY") | c("O_CREAT") | c("O_CLOEXEC"), "O_CLOEXEC|O_CREAT|O_WRONLY"},
		{openat[0], uint64(0xffffffffffffff9c), "AT_FDCWD"},
	}
	for _, tc := range cases {
		got := DecodeArg(tc.spec, tc.v)
		if tc.spec.Flags {
			// Flag order follows bit counts and values; compare as sets.
			if !sameSet(got, tc.want) {
				t.Errorf("DecodeArg(%s, %#x) = %q, want %q", tc.spec.Name, tc.v, got, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("DecodeArg(%s, %#x) = %q, want %q", tc.spec.Name, tc.v, got, tc.want)
		}
	}
}

func sameSet(a, b string) bool {
	as, bs := strings.Split(a, "|"), strings.Split(b, "|")
	if len(as) != len(bs) {
		return false
	}
	m := map[string]bool{}
	for _, x := range as {
		m[x] = true
	}
	for _, x := range bs {
		if !m[x] {
			return false
		}
	}
	return true
}

// TestReportingPreservesDecisions: the reporting filter notifies exactly the
// calls the original policy denies, and decides every other call alike.
func TestReportingPreservesDecisions(t *testing.T) {
	eperm := seccomp.Errno(1)
	p := &seccomp.Policy{
		Default: eperm,
		Arches:  []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386},
		Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow},
			{Syscall: "write", Action: seccomp.Log},
			{Syscall: "socket", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1, Width32: true}},
			{Syscall: "socket", Action: seccomp.Errno(97), When: seccomp.Cmp{Arg: 0, Op: seccomp.OpGt, Value: 1, Width32: true}},
			{Syscall: "ptrace", Action: seccomp.KillProcess},
			{Syscall: "getpid", Action: seccomp.Trace(3)},
		},
	}
	r := Reporting(p)
	rng := rand.New(rand.NewSource(1))
	arches := []uint32{syscalls.AuditArchX86_64, syscalls.AuditArchI386, syscalls.AuditArchAArch64}
	for i := 0; i < 20000; i++ {
		d := bpf.SeccompData{Nr: int32(rng.Intn(460)), Arch: arches[rng.Intn(len(arches))]}
		d.Args[0] = uint64(rng.Intn(4))
		want, got := p.Decide(d).Action, r.Decide(d).Action
		if want.Stricter(seccomp.Notify) {
			want = seccomp.Notify
		}
		if got != want {
			t.Fatalf("%+v: reporting filter gives %s, want %s", d, got, want)
		}
	}
}

func TestAllowLine(t *testing.T) {
	p := &seccomp.Policy{Default: seccomp.Errno(1)}
	nr, _ := syscalls.Number(syscalls.Native, "socket")
	af, _ := syscalls.Constant("AF_NETLINK")
	d := p.Decide(bpf.SeccompData{Nr: int32(nr), Arch: syscalls.Native.AuditArch(), Args: [6]uint64{af, 3}})
	got := allowLine(d, DecodeArgs("socket", [6]uint64{af, 3}))
	if got != "allow socket if domain == AF_NETLINK" {
		t.Errorf("allowLine = %q", got)
	}
}
