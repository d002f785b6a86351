package syscalls

import (
	"strings"
	"testing"
)

// TestArgsTable checks the hand-written table against the generated ones:
// every syscall exists on some ABI, every constant prefix names at least
// one constant, and the syscalls the brief of the policy language needs are
// all there.
func TestArgsTable(t *testing.T) {
	if _, err := parseArgs(argsText); err != nil {
		t.Fatal(err)
	}
	for _, name := range ArgSyscalls() {
		if !Known(name) {
			t.Errorf("args.txt: %s is in no syscall table", name)
		}
		for _, s := range Args(name) {
			if s.Kind == ArgUnknown {
				t.Errorf("%s.%s: no kind", name, s.Name)
			}
			for _, p := range s.Consts {
				if len(ConstantsWithPrefix(p)) == 0 {
					t.Errorf("%s.%s: no constant starts with %q", name, s.Name, p)
				}
			}
			if s.Flags && len(s.Consts) == 0 {
				t.Errorf("%s.%s: flags without constants", name, s.Name)
			}
		}
	}
	for _, name := range strings.Fields(`socket socketpair clone clone3 unshare setns ioctl prctl personality
		mmap mprotect pkey_mprotect open openat openat2 creat kill tkill tgkill setsockopt getsockopt fcntl
		mount umount2 madvise seccomp keyctl ptrace futex execve execveat connect bind accept4 sendto recvfrom
		chmod fchmodat kcmp bpf perf_event_open io_uring_setup memfd_create pidfd_open getrandom eventfd2
		write read close dup3`) {
		if Args(name) == nil {
			t.Errorf("Args(%q) = nil", name)
		}
	}
	if Args("no_such_call") != nil {
		t.Error("Args of an unknown name is not nil")
	}
}

func TestArgSpecs(t *testing.T) {
	type want struct {
		i      int
		name   string
		kind   ArgKind
		prefix string
		flags  bool
	}
	for call, ws := range map[string][]want{
		"socket":      {{0, "domain", ArgInt, "AF_", false}, {1, "type", ArgInt, "SOCK_", true}, {2, "protocol", ArgInt, "IPPROTO_", false}},
		"ioctl":       {{0, "fd", ArgFD, "", false}, {1, "request", ArgUint, "TIOC", false}, {2, "arg", ArgLong, "", false}},
		"openat":      {{0, "dirfd", ArgFD, "AT_FDCWD", false}, {1, "path", ArgPath, "", false}, {2, "flags", ArgInt, "O_", true}},
		"mmap":        {{2, "prot", ArgLong, "PROT_", true}, {3, "flags", ArgLong, "MAP_", true}, {4, "fd", ArgFD, "", false}},
		"clone":       {{0, "flags", ArgLong, "CLONE_", true}, {3, "child_tid", ArgPointer, "", false}, {4, "tls", ArgLong, "", false}},
		"unshare":     {{0, "flags", ArgLong, "CLONE_", true}},
		"setsockopt":  {{1, "level", ArgInt, "SOL_", false}, {2, "optname", ArgInt, "SO_", false}},
		"seccomp":     {{0, "operation", ArgUint, "SECCOMP_SET_MODE_", false}, {1, "flags", ArgUint, "SECCOMP_FILTER_FLAG_", true}},
		"personality": {{0, "persona", ArgUint, "PER_", true}},
		"prctl":       {{0, "option", ArgInt, "PR_", false}, {4, "arg5", ArgLong, "", false}},
		"getrandom":   {{2, "flags", ArgUint, "GRND_", true}},
		"kill":        {{1, "sig", ArgInt, "SIG", false}},
		"write":       {{0, "fd", ArgFD, "", false}, {1, "buf", ArgPointer, "", false}, {2, "count", ArgLong, "", false}},
	} {
		specs := Args(call)
		for _, w := range ws {
			if w.i >= len(specs) {
				t.Errorf("%s: no argument %d", call, w.i)
				continue
			}
			s := specs[w.i]
			hasPrefix := w.prefix == ""
			for _, p := range s.Consts {
				hasPrefix = hasPrefix || p == w.prefix
			}
			if s.Name != w.name || s.Kind != w.kind || s.Flags != w.flags || !hasPrefix {
				t.Errorf("%s arg %d = %+v; want %s %v %q flags=%v", call, w.i, s, w.name, w.kind, w.prefix, w.flags)
			}
		}
	}
}

func TestArgsForCloneOrder(t *testing.T) {
	for _, c := range []struct {
		a             Arch
		childTid, tls int
	}{
		{ArchX86_64, 3, 4}, {ArchX32, 3, 4}, {ArchI386, 4, 3}, {ArchARM, 4, 3}, {ArchAArch64, 4, 3}, {ArchRISCV64, 4, 3},
	} {
		ct, ok1 := ArgIndex(c.a, "clone", "child_tid")
		tl, ok2 := ArgIndex(c.a, "clone", "tls")
		if !ok1 || !ok2 || ct != c.childTid || tl != c.tls {
			t.Errorf("%v: clone child_tid at %d, tls at %d; want %d, %d", c.a, ct, tl, c.childTid, c.tls)
		}
		if i, ok := ArgIndex(c.a, "clone", "flags"); !ok || i != 0 {
			t.Errorf("%v: clone flags at %d", c.a, i)
		}
	}
	if len(Args("clone")) != 5 || Args("clone")[3].Name != "child_tid" {
		t.Error("ArgsFor reordered the shared table")
	}
	if _, ok := ArgIndex(ArchX86_64, "read", "nope"); ok {
		t.Error("ArgIndex found a missing argument")
	}
}

func TestParseArgsErrors(t *testing.T) {
	for _, bad := range []string{
		"read fd fd", "read: fd", "read: fd blob", "read: fd fd\nread: fd fd",
		"x: a int; b int; c int; d int; e int; f int; g int", ": fd fd",
	} {
		if _, err := parseArgs(bad); err == nil {
			t.Errorf("parseArgs(%q) accepted", bad)
		}
	}
}

func TestArgKindText(t *testing.T) {
	for k, w := range map[ArgKind]string{ArgInt: "int", ArgUint: "uint", ArgLong: "long", ArgPointer: "ptr", ArgPath: "path", ArgFD: "fd", ArgUnknown: "unknown", ArgKind(99): "ArgKind(99)"} {
		if k.String() != w {
			t.Errorf("%d.String() = %q, want %q", k, k.String(), w)
		}
	}
	if !ArgFD.Width32() || !ArgInt.Width32() || ArgLong.Width32() || ArgPointer.Width32() {
		t.Error("Width32 wrong")
	}
}

func FuzzParseArgs(f *testing.F) {
	f.Add(argsText)
	f.Add("read: fd fd; buf ptr; count long")
	f.Fuzz(func(t *testing.T, text string) {
		tab, err := parseArgs(text)
		if err != nil {
			return
		}
		for name, specs := range tab {
			if len(specs) > 6 || name == "" {
				t.Fatalf("%q: %d args accepted", name, len(specs))
			}
		}
	})
}
