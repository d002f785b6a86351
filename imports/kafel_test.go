package imports

import (
	"os"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/syscalls"
)

func TestKafelConstructs(t *testing.T) {
	rdwr, _ := syscalls.Constant("O_RDWR")
	for _, tc := range []struct {
		name, src string
		calls     []call
	}{
		{"allow list and default kill", `POLICY p { ALLOW { read, write } } USE p DEFAULT KILL`, []call{
			{"read", nil, "allow"}, {"write", nil, "allow"}, {"openat", nil, "kill-thread"},
		}},
		{"no default is KILL", `ALLOW { read }`, []call{{"read", nil, "allow"}, {"close", nil, "kill-thread"}}},
		{"default statements", `ALLOW { read } DEFAULT ERRNO(1)`, []call{{"close", nil, "errno(EPERM)"}}},
		{"actions", `KILL_PROCESS { ptrace } TRAP(0) { kill } LOG { uname } USER_NOTIF { bpf } TRACE(7) { wait4 } DENY { reboot } KILL_THREAD { vhangup } DEFAULT ALLOW`, []call{
			{"ptrace", nil, "kill-process"}, {"kill", nil, "trap"}, {"uname", nil, "log"}, {"bpf", nil, "notify"},
			{"wait4", nil, "trace(7)"}, {"reboot", nil, "kill-thread"}, {"vhangup", nil, "kill-thread"}, {"read", nil, "allow"},
		}},
		{"declared argument names", `ALLOW { openat(a, b, c) { c & 3 == 0 } } DEFAULT ERRNO(1)`, []call{
			{"openat", []uint64{0, 0, 0}, "allow"}, {"openat", []uint64{0, 0, rdwr}, "errno(EPERM)"},
		}},
		{"known argument names", `ALLOW { write { fd == 1 }, socket { domain == AF_UNIX } } DEFAULT ERRNO(1)`, []call{
			{"write", []uint64{1}, "allow"}, {"write", []uint64{2}, "errno(EPERM)"},
			{"socket", []uint64{1}, "allow"}, {"socket", []uint64{2}, "errno(EPERM)"},
		}},
		{"kernel argument names and table aliases", `ALLOW { ioctl { cmd == TCGETS }, clone { (clone_flags & CLONE_NEWUSER) == 0 }, newfstat } DEFAULT ERRNO(1)`, []call{
			{"ioctl", []uint64{0, konst(t, "TCGETS")}, "allow"}, {"ioctl", []uint64{0, konst(t, "TIOCSTI")}, "errno(EPERM)"},
			{"clone", []uint64{0}, "allow"}, {"clone", []uint64{konst(t, "CLONE_NEWUSER")}, "errno(EPERM)"},
			{"fstat", nil, "allow"},
		}},
		{"all comparisons", `ALLOW { read(a,b,c) { a < 5 && c >= 10 }, pread64(a,b,c) { a <= 5 && c > 10 }, lseek(a,b,c) { a != 3 } } DEFAULT ERRNO(1)`, []call{
			{"read", []uint64{4, 0, 10}, "allow"}, {"read", []uint64{5, 0, 10}, "errno(EPERM)"}, {"read", []uint64{4, 0, 9}, "errno(EPERM)"},
			{"pread64", []uint64{5, 0, 11}, "allow"}, {"pread64", []uint64{6, 0, 11}, "errno(EPERM)"}, {"pread64", []uint64{5, 0, 10}, "errno(EPERM)"},
			{"lseek", []uint64{2}, "allow"}, {"lseek", []uint64{3}, "errno(EPERM)"},
		}},
		{"constant on the left", `ALLOW { read(a) { 5 > a } } DEFAULT ERRNO(1)`, []call{
			{"read", []uint64{4}, "allow"}, {"read", []uint64{5}, "errno(EPERM)"},
		}},
		{"not, or, comma", `ALLOW { read(a) { !(a == 1), a == 1 && a == 2 }, write(a) { a == 1 || a == 2, a == 3 } } DEFAULT ERRNO(1)`, []call{
			{"read", []uint64{0}, "allow"}, {"read", []uint64{1}, "errno(EPERM)"},
			{"write", []uint64{3}, "allow"}, {"write", []uint64{2}, "allow"}, {"write", []uint64{4}, "errno(EPERM)"},
		}},
		{"constants combined with |", `#define A 1
#define B 4
ALLOW { fcntl(fd, cmd, arg) { arg == A|B } } DEFAULT ERRNO(1)`, []call{
			{"fcntl", []uint64{0, 0, 5}, "allow"}, {"fcntl", []uint64{0, 0, 1}, "errno(EPERM)"},
		}},
		{"masked not equal", `ALLOW { mmap(a, l, p) { (p & 4) != 0 } } DEFAULT ERRNO(1)`, []call{
			{"mmap", []uint64{0, 0, 7}, "allow"}, {"mmap", []uint64{0, 0, 3}, "errno(EPERM)"},
		}},
		{"32-bit argument ignores the high half", `ALLOW { write(fd) { fd == 1 } } DEFAULT ERRNO(1)`, []call{
			{"write", []uint64{0xdead000000000001}, "allow"},
		}},
		{"64-bit argument compares both halves", `ALLOW { read(fd, buf, count) { count == 1 } } DEFAULT ERRNO(1)`, []call{
			{"read", []uint64{0, 0, 0x100000001}, "errno(EPERM)"}, {"read", []uint64{0, 0, 1}, "allow"},
		}},
		{"numbers", `ALLOW { read(a,b,c) { c == 0x10 || c == 010 || c == 0b11 || c == -1 } } DEFAULT ERRNO(1)`, []call{
			{"read", []uint64{0, 0, 16}, "allow"}, {"read", []uint64{0, 0, 8}, "allow"}, {"read", []uint64{0, 0, 3}, "allow"},
			{"read", []uint64{0, 0, ^uint64(0)}, "allow"}, {"read", []uint64{0, 0, 10}, "errno(EPERM)"},
		}},
		{"SYSCALL[n] and defined syscall numbers", `#define myread 0
ALLOW { SYSCALL[1], myread } DEFAULT ERRNO(1)`, []call{{"write", nil, "allow"}, {"read", nil, "allow"}, {"close", nil, "errno(EPERM)"}}},
		{"ON guard", `ALLOW { read ON x86_64, write ON aarch64, close ON {arm, x86_64} } DEFAULT ERRNO(1)`, []call{
			{"read", nil, "allow"}, {"write", nil, "errno(EPERM)"}, {"close", nil, "allow"},
		}},
		{"first match wins across action blocks", `POLICY a { ERRNO(13) { read(fd) { fd == 0 } }, ALLOW { read }, KILL { read } } USE a DEFAULT KILL`, []call{
			{"read", []uint64{0}, "errno(EACCES)"}, {"read", []uint64{1}, "allow"},
		}},
		{"first match wins: allow before a stricter rule", `ALLOW { write(fd) { fd == 1 } } KILL_PROCESS { write(fd) { fd < 3 } } DEFAULT ALLOW`, []call{
			{"write", []uint64{1}, "allow"}, {"write", []uint64{2}, "kill-process"}, {"write", []uint64{3}, "allow"},
		}},
		{"nested USE", `POLICY a { ALLOW { read } } POLICY b { USE a, ERRNO(1) { write } } USE b DEFAULT KILL`, []call{
			{"read", nil, "allow"}, {"write", nil, "errno(EPERM)"},
		}},
		{"comments", "/* block\ncomment */ ALLOW { read // line\n }", []call{{"read", nil, "allow"}}},
		{"empty blocks", `ALLOW { } POLICY e { } USE e DEFAULT ALLOW`, []call{{"read", nil, "allow"}}},
		{"empty condition", `ALLOW { read { } } DEFAULT ERRNO(1)`, []call{{"read", []uint64{9}, "allow"}}},
		{"constant comparison", `ALLOW { read { 1 == 2 }, write { 2 == 2 } } DEFAULT ERRNO(1)`, []call{
			{"read", nil, "errno(EPERM)"}, {"write", nil, "allow"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Kafel("test.kafel", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			checkCalls(t, p, tc.calls)
			roundTrip(t, p, 2000)
		})
	}
}

func TestKafelWarnings(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`TRAP(5) { read }`, "1:6: warning: TRAP(5)"},
		{`ALLOW { read } KILL { read }`, "1:23: warning: this rule for read never applies: the rule at test.kafel:1:9"},
		{`ALLOW { SYSCALL[4000] }`, "1:17: warning: syscall number 4000"},
		{`POLICY a { ALLOW { read } }`, "no rule at file scope"},
		{`ALLOW { write(fd) { fd == 0x100000001 } }`, "compared by its low 32 bits"},
	} {
		_, warns, err := Kafel("test.kafel", []byte(tc.src))
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		var all []string
		for _, w := range warns {
			all = append(all, w.String())
		}
		if !strings.Contains(strings.Join(all, "\n"), tc.want) {
			t.Errorf("%s: warnings %q do not contain %q", tc.src, all, tc.want)
		}
	}
}

func TestKafelErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`ALLOW { raed }`, `test.kafel:1:9: undefined syscall "raed"`},
		{`ALLOW { read`, `1:13: expected ',' or '}' after a syscall rule, found end of file`},
		{`USE nothing DEFAULT KILL`, `1:5: undefined policy "nothing"`},
		{`ALLOW { read(a) { b == 1 } }`, `1:19: undefined argument or constant "b"`},
		{`ALLOW { read(a, b) { a == b } }`, `1:24: comparing two arguments`},
		{`ALLOW { read(a) { a & 1 > 0 } }`, `1:25: a masked argument can only be compared with == or !=`},
		{`ALLOW { read(a) { a | 1 == 0 } }`, `1:21: '|' combines constants`},
		{`ALLOW { read(a) { a } }`, `1:19: expected a comparison`},
		{`ERRNO(5000) { read }`, `1:7: errno 5000 out of range`},
		{`ALLOW { read(a) { a == 99999999999999999999 } }`, `1:24: malformed number`},
		{"/* open", `1:1: unterminated comment`},
		{`POLICY a { } POLICY a { }`, `1:21: redefinition of policy "a"`},
		{`#define X 1` + "\n" + `#define X 2`, `2:9: redefinition of constant "X"`},
		{`#include "nonexistent.kafel"`, `1:10: cannot #include "nonexistent.kafel"`},
		{`DEFAULT KILL DEFAULT ALLOW`, `1:14: the default action is given twice`},
		{`ALLOW { read(a,b,c,d,e,f,g) }`, `1:26: too many arguments`},
		{`ALLOW { read } $`, `1:16: unexpected character "$"`},
		{`FROB { read }`, `1:1: expected POLICY, USE, DEFAULT, #define, #include or an action block`},
	} {
		_, _, err := Kafel("test.kafel", []byte(tc.src))
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

func TestKafelInclude(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/base.kafel", []byte("POLICY base { ALLOW { read, write } }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _, err := Kafel(dir+"/main.kafel", []byte(`#include "base.kafel"
USE base DEFAULT ERRNO(1)`))
	if err != nil {
		t.Fatal(err)
	}
	checkCalls(t, p, []call{{"read", nil, "allow"}, {"close", nil, "errno(EPERM)"}})
	_, _, err = Kafel(dir+"/main.kafel", []byte("#include \"base.kafel\"\nALLOW { raed }"))
	if pe := positioned(t, err); pe.Pos.File != dir+"/main.kafel" || pe.Pos.Line != 2 {
		t.Errorf("error in the includer is at %s", pe.Pos)
	}
}

func TestKafelSample(t *testing.T) {
	src, err := os.ReadFile("testdata/shell.kafel")
	if err != nil {
		t.Fatal(err)
	}
	p, warns, err := Kafel("testdata/shell.kafel", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	rdonly, _ := syscalls.Constant("O_RDONLY")
	wronly, _ := syscalls.Constant("O_WRONLY")
	cloexec, _ := syscalls.Constant("O_CLOEXEC")
	checkCalls(t, p, []call{
		{"read", nil, "allow"},
		{"write", []uint64{1}, "allow"},
		{"write", []uint64{2}, "allow"},
		{"write", []uint64{3}, "errno(ENOSYS)"},
		{"openat", []uint64{0, 0, rdonly | cloexec}, "allow"},
		{"openat", []uint64{0, 0, wronly}, "errno(ENOSYS)"},
		{"mmap", []uint64{0, 4096, 7}, "errno(EACCES)"},
		{"mmap", []uint64{0, 4096, 3}, "allow"},
		{"mprotect", []uint64{0, 4096, 6}, "errno(EACCES)"},
		{"mprotect", []uint64{0, 4096, 1}, "allow"},
		{"ptrace", nil, "kill-process"},
		{"mount", nil, "kill-process"},
		{"socket", []uint64{1}, "allow"},
		{"socket", []uint64{2}, "errno(EPERM)"},
		{"uname", nil, "log"},
		{"unshare", nil, "errno(ENOSYS)"},
	})
	roundTrip(t, p, 20000)
}
