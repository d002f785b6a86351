package imports

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/syscalls"
)

func konst(t testing.TB, name string) uint64 {
	v, ok := syscalls.Constant(name)
	if !ok {
		t.Fatalf("no constant %s", name)
	}
	return v
}

func TestMinijailConstructs(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		calls     []call
	}{
		{"allow with 1 and allow, default kill-process", "read: 1\nwrite: allow\n", []call{
			{"read", nil, "allow"}, {"write", nil, "allow"}, {"close", nil, "kill-process"},
		}},
		{"actions", "ptrace: kill\nreboot: kill-process\nvhangup: kill-thread\nkill: trap\nuname: log\nwait4: trace\nbpf: user-notify\nmount: return EPERM\nunshare: return 13\n", []call{
			{"ptrace", nil, "kill-process"}, {"reboot", nil, "kill-process"}, {"vhangup", nil, "kill-thread"},
			{"kill", nil, "trap"}, {"uname", nil, "log"}, {"wait4", nil, "trace(0)"}, {"bpf", nil, "notify"},
			{"mount", nil, "errno(EPERM)"}, {"unshare", nil, "errno(EACCES)"},
		}},
		{"expression: no match gets the default", "write: arg0 == 1 || arg0 == 2\n", []call{
			{"write", []uint64{1}, "allow"}, {"write", []uint64{2}, "allow"}, {"write", []uint64{3}, "kill-process"},
		}},
		{"expression with return: no match gets the errno", "socket: arg0 == AF_UNIX; return EPERM\n", []call{
			{"socket", []uint64{1}, "allow"}, {"socket", []uint64{2}, "errno(EPERM)"},
		}},
		{"and binds tighter than or", "read: arg0 == 1 || arg0 == 2 && arg1 == 3\n@default trap\n", []call{
			{"read", []uint64{1, 0}, "allow"}, {"read", []uint64{2, 3}, "allow"}, {"read", []uint64{2, 0}, "trap"},
		}},
		{"operators", "read: arg0 < 5 && arg1 <= 5 && arg2 > 5\nwrite: arg0 >= 5 && arg1 != 5\n@default kill-thread\n", []call{
			{"read", []uint64{4, 5, 6}, "allow"}, {"read", []uint64{5, 5, 6}, "kill-thread"}, {"read", []uint64{4, 6, 6}, "kill-thread"}, {"read", []uint64{4, 5, 5}, "kill-thread"},
			{"write", []uint64{5, 4}, "allow"}, {"write", []uint64{4, 4}, "kill-thread"}, {"write", []uint64{5, 5}, "kill-thread"},
		}},
		{"& is any bit set", "mmap: arg2 & PROT_EXEC; return EACCES\n", []call{
			{"mmap", []uint64{0, 0, 4}, "allow"}, {"mmap", []uint64{0, 0, 3}, "errno(EACCES)"},
		}},
		{"in is a subset", "openat: arg2 in O_RDONLY|O_CLOEXEC; return EACCES\n", []call{
			{"openat", []uint64{0, 0, konst(t, "O_CLOEXEC")}, "allow"}, {"openat", []uint64{0, 0, 0}, "allow"},
			{"openat", []uint64{0, 0, konst(t, "O_RDWR")}, "errno(EACCES)"},
		}},
		{"values: ~, parentheses, numbers", "mmap: arg2 in ~(PROT_EXEC|0x8)\nread: arg2 == -1 || arg2 == 0o17 || arg2 == 10\n@default trap\n", []call{
			{"mmap", []uint64{0, 0, 3}, "allow"}, {"mmap", []uint64{0, 0, 4}, "trap"}, {"mmap", []uint64{0, 0, 8}, "trap"},
			{"read", []uint64{0, 0, ^uint64(0)}, "allow"}, {"read", []uint64{0, 0, 15}, "allow"}, {"read", []uint64{0, 0, 10}, "allow"}, {"read", []uint64{0, 0, 11}, "trap"},
		}},
		{"comparisons are 64-bit", "write: arg0 == 1\n", []call{{"write", []uint64{0x100000001}, "kill-process"}}},
		{"several syscalls in braces, continuation, comments", "{ read, write }: \\\n  1 # both\n# comment\n\n", []call{
			{"read", nil, "allow"}, {"write", nil, "allow"},
		}},
		{"a second line never applies", "read: return EPERM\nread: 1\n", []call{{"read", nil, "errno(EPERM)"}}},
		{"arch metadata", "read[arch=x86_64]: 1\nwrite[arch=aarch64]: 1\n", []call{{"read", nil, "allow"}, {"write", nil, "kill-process"}}},
		{"syscall numbers", "0: 1\n", []call{{"read", nil, "allow"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Minijail("test.policy", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			checkCalls(t, p, tc.calls)
			roundTrip(t, p, 2000)
		})
	}
}

func TestMinijailErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"raed: 1", `test.policy:1:1: nonexistent syscall "raed"`},
		{"read 1", `1:6: expected ':' after the syscall name, found 1`},
		{"read:", `1:6: expected an action`},
		{"read: 2", `1:7: expected an action`},
		{"read: arg0 == FOO", `1:15: unknown constant "FOO"`},
		{"read: arg9 == 1", `1:7: invalid argument arg9`},
		{"read: arg0 = 1", `1:12: expected an operator`},
		{"read: arg0 == 1; return EFOO", `1:25: expected an errno after return`},
		{"read: return 5000", `1:14: errno 5000 out of range`},
		{"read: arg0 == 1 junk", `1:17: extra tokens at the end of the line: junk`},
		{"read: arg0 == (1", `1:17: expected ')'`},
		{"@include ./nonexistent.policy", `1:10: cannot @include ./nonexistent.policy`},
		{"@include base", `1:10: expected a path starting with / or ./`},
		{"@default allow", `1:10: invalid default action "allow"`},
		{"@bogus x", `1:1: unknown directive @bogus`},
		{"read: { arg0 == 1 }", `1:7: filter lists`},
		{"read: 1 $", `1:9: invalid character "$"`},
		{"read: arg0 == 99999999999999999999", `1:15: invalid number`},
		{"io@sys: 1", `1:1: syscall groups`},
	} {
		_, _, err := Minijail("test.policy", []byte(tc.src))
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.src, tc.want)
			continue
		}
		positioned(t, err)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

func TestMinijailSample(t *testing.T) {
	src, err := os.ReadFile("testdata/daemon.policy")
	if err != nil {
		t.Fatal(err)
	}
	p, warns, err := Minijail("testdata/daemon.policy", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if want := []string{"epoll_wait", "read", "write"}; !reflect.DeepEqual(p.Hot, want) {
		t.Errorf("Hot = %v, want %v (from @frequency)", p.Hot, want)
	}
	c := konst
	checkCalls(t, p, []call{
		{"read", nil, "allow"},
		{"epoll_wait", nil, "allow"},
		{"openat", []uint64{0, 0, c(t, "O_RDONLY") | c(t, "O_CLOEXEC")}, "allow"},
		{"openat", []uint64{0, 0, c(t, "O_WRONLY")}, "kill-process"},
		{"socket", []uint64{c(t, "AF_UNIX"), 0}, "allow"},
		{"socket", []uint64{c(t, "AF_INET"), c(t, "SOCK_STREAM")}, "allow"},
		{"socket", []uint64{c(t, "AF_INET"), c(t, "SOCK_DGRAM")}, "errno(EAFNOSUPPORT)"},
		{"socket", []uint64{c(t, "AF_INET6"), c(t, "SOCK_STREAM")}, "errno(EAFNOSUPPORT)"},
		{"ioctl", []uint64{0, c(t, "TCGETS")}, "allow"},
		{"ioctl", []uint64{0, c(t, "TIOCSTI")}, "errno(ENOTTY)"},
		{"mmap", []uint64{0, 4096, c(t, "PROT_READ") | c(t, "PROT_WRITE")}, "allow"},
		{"mmap", []uint64{0, 4096, c(t, "PROT_READ") | c(t, "PROT_EXEC")}, "kill-process"},
		{"sendto", nil, "allow"},
		{"recvfrom", nil, "allow"},
		{"connect", nil, "allow"},
		{"fcntl", []uint64{0, c(t, "F_GETFD")}, "allow"},
		{"fcntl", []uint64{0, c(t, "F_DUPFD")}, "kill-process"},
		{"prctl", []uint64{c(t, "PR_SET_NAME")}, "allow"},
		{"prctl", []uint64{c(t, "PR_SET_DUMPABLE")}, "errno(EPERM)"},
		{"ptrace", nil, "kill-process"},
		{"mount", nil, "errno(EPERM)"},
		{"uname", nil, "log"},
		{"setsockopt", nil, "trap"},
		{"execve", nil, "kill-process"},
	})
	roundTrip(t, p, 20000)
}
