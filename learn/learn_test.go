package learn

import (
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func constant(t *testing.T, name string) uint64 {
	v, ok := syscalls.Constant(name)
	if !ok {
		t.Fatalf("constant %s missing", name)
	}
	return v
}

func call(t *testing.T, name string, args ...uint64) bpf.SeccompData {
	nr, ok := syscalls.Number(syscalls.Native, name)
	if !ok {
		t.Fatalf("no syscall %s", name)
	}
	d := bpf.SeccompData{Nr: int32(nr), Arch: syscalls.Native.AuditArch()}
	copy(d.Args[:], args)
	return d
}

// TestLearnedPolicyAdmitsWhatWasSeen: what was recorded is allowed, a
// neighbouring value of a watched argument and an unseen syscall are not.
func TestLearnedPolicyAdmitsWhatWasSeen(t *testing.T) {
	r := NewRecorder()
	afUnix, afInet, afInet6 := constant(t, "AF_UNIX"), constant(t, "AF_INET"), constant(t, "AF_INET6")
	stream, dgram, cloexec := constant(t, "SOCK_STREAM"), constant(t, "SOCK_DGRAM"), constant(t, "SOCK_CLOEXEC")
	rdonly, wronly, creat, ocloexec := constant(t, "O_RDONLY"), constant(t, "O_WRONLY"), constant(t, "O_CREAT"), constant(t, "O_CLOEXEC")
	newuser := constant(t, "CLONE_NEWUSER")
	threadFlags := constant(t, "CLONE_VM") | constant(t, "CLONE_FS") | constant(t, "CLONE_FILES") | constant(t, "CLONE_SIGHAND") | constant(t, "CLONE_THREAD")
	seen := []bpf.SeccompData{
		call(t, "read", 0, 0, 10),
		call(t, "read", 3, 0, 10),
		call(t, "socket", afUnix, stream|cloexec, 0),
		call(t, "socket", afInet, dgram, 0),
		call(t, "openat", 0xffffff9c, 0, rdonly|ocloexec),
		call(t, "clone", threadFlags),
	}
	for _, d := range seen {
		name, _ := syscalls.Name(syscalls.Native, int(d.Nr))
		r.Record(syscalls.Native, name, d.Args)
	}
	p := r.Policy(Options{})
	for _, d := range seen {
		if got := p.Decide(d).Action; got != seccomp.Allow {
			t.Errorf("seen call %+v: %s, want allow", d, got)
		}
	}
	denied := []bpf.SeccompData{
		call(t, "write", 1, 0, 1),                          // never seen
		call(t, "socket", afInet6, stream, 0),              // unseen domain
		call(t, "socket", afInet, 3 /* SOCK_RAW */, 0),     // unseen type
		call(t, "openat", 0xffffff9c, 0, wronly|creat),     // writing was never seen
		call(t, "clone", threadFlags|newuser),              // a namespace flag never seen
		call(t, "socket", afUnix, stream|cloexec|0x800, 0), // SOCK_NONBLOCK never seen
	}
	for _, d := range denied {
		if got := p.Decide(d).Action; got == seccomp.Allow {
			t.Errorf("unseen call %+v allowed", d)
		}
	}
	if len(p.Hot) == 0 || p.Hot[0] != "read" {
		t.Errorf("hot list %v: read (seen twice) must come first", p.Hot)
	}
}

func TestMergeIsUnion(t *testing.T) {
	a, b := NewRecorder(), NewRecorder()
	afUnix, afInet := constant(t, "AF_UNIX"), constant(t, "AF_INET")
	a.Record(syscalls.Native, "socket", [6]uint64{afUnix, 1})
	b.Record(syscalls.Native, "socket", [6]uint64{afInet, 1})
	b.Record(syscalls.Native, "getpid", [6]uint64{})
	m := Merge(a.Policy(Options{}), b.Policy(Options{}))
	for _, d := range []bpf.SeccompData{call(t, "socket", afUnix, 1), call(t, "socket", afInet, 1), call(t, "getpid")} {
		if got := m.Decide(d).Action; got != seccomp.Allow {
			t.Errorf("merged policy: %+v gets %s", d, got)
		}
	}
	if got := m.Decide(call(t, "socket", 16, 1)).Action; got == seccomp.Allow {
		t.Errorf("merged policy allows AF_NETLINK, seen by neither run")
	}
}
