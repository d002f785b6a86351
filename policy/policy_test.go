package policy

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// load resolves src (as "main.policy") with extra files for includes.
func load(t *testing.T, src string, extra ...string) *seccomp.Policy {
	t.Helper()
	p, err := loadErr(src, extra...)
	if err != nil {
		t.Fatalf("policy does not load:\n%v\n--- policy\n%s", err, src)
	}
	return p
}

func loadErr(src string, extra ...string) (*seccomp.Policy, error) {
	fsys := fstest.MapFS{"main.policy": {Data: []byte(src)}}
	for i := 0; i+1 < len(extra); i += 2 {
		fsys[extra[i]] = &fstest.MapFile{Data: []byte(extra[i+1])}
	}
	return Load("main.policy", LoadOptions{FS: fsys})
}

// call is one libseccomp-style test row: arch, syscall, args -> action.
type call struct {
	arch syscalls.Arch
	name string
	args [6]uint64
	want seccomp.Action
}

func (c call) data(t *testing.T) bpf.SeccompData {
	t.Helper()
	a := c.arch
	if a == syscalls.ArchInvalid {
		a = syscalls.Native
	}
	nr, ok := syscalls.Number(a, c.name)
	if !ok {
		t.Fatalf("no syscall %s on %s", c.name, a)
	}
	return bpf.SeccompData{Nr: int32(nr), Arch: a.AuditArch(), Args: c.args}
}

func checkCalls(t *testing.T, p *seccomp.Policy, calls []call) {
	t.Helper()
	for _, c := range calls {
		d := p.Decide(c.data(t))
		if d.Action != c.want {
			t.Errorf("%s %s%v: got %s (%s), want %s", c.arch, c.name, c.args, d.Action, d.Reason, c.want)
		}
	}
}

func TestLexerPositions(t *testing.T) {
	errs := &errorSink{}
	toks, comments := lex("f", []byte("allow read # c\n\tallow openat if arg2 ==\n  0x10\n"), errs)
	if errs.list.Err() != nil {
		t.Fatal(errs.list.Err())
	}
	var got []string
	for _, tk := range toks {
		got = append(got, tk.Pos.String()[2:]+":"+tk.Text)
	}
	want := "1:1:allow 1:7:read 1:15:\n 2:2:allow 2:8:openat 2:15:if 2:18:arg2 2:23:== 3:3:0x10 3:7:\n 3:7:"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens\n got %q\nwant %q", strings.Join(got, " "), want)
	}
	if len(comments) != 1 || comments[0].Pos.Col != 12 || comments[0].Text != "# c" {
		t.Errorf("comments: %+v", comments)
	}
}

func TestActionsAndHeader(t *testing.T) {
	p := load(t, `policy "t" version 3
default errno(EPERM)
bad-arch kill-thread
unknown errno(ENOSYS)
allow read
log write
notify openat
trap close
kill-process ptrace
kill-thread fork
errno(0x16) getpid
errno(13) getuid
trace(65535) getppid
`)
	if p.Default != seccomp.Errno(1) || p.BadArch != seccomp.KillThread || p.Unknown == nil || *p.Unknown != seccomp.Errno(38) {
		t.Errorf("header: default %v bad-arch %v unknown %v", p.Default, p.BadArch, p.Unknown)
	}
	checkCalls(t, p, []call{
		{name: "read", want: seccomp.Allow},
		{name: "write", want: seccomp.Log},
		{name: "openat", want: seccomp.Notify},
		{name: "close", want: seccomp.Trap},
		{name: "ptrace", want: seccomp.KillProcess},
		{name: "fork", want: seccomp.KillThread},
		{name: "getpid", want: seccomp.Errno(22)},
		{name: "getuid", want: seccomp.Errno(13)},
		{name: "getppid", want: seccomp.Trace(65535)},
		{name: "mmap", want: seccomp.Errno(1)},
	})
	// A number the tables do not know gets the unknown action.
	d := p.Decide(bpf.SeccompData{Nr: 1 << 20, Arch: syscalls.Native.AuditArch()})
	if d.Action != seccomp.Errno(38) || d.Reason != "unknown syscall" {
		t.Errorf("unknown syscall: %+v", d)
	}
	// Another architecture gets bad-arch.
	d = p.Decide(bpf.SeccompData{Nr: 0, Arch: syscalls.AuditArchI386})
	if d.Action != seccomp.KillThread {
		t.Errorf("i386 call without `arch`: %v", d.Action)
	}
}

func TestArgumentConditions(t *testing.T) {
	p := load(t, `default errno(EPERM)
define RO = O_RDONLY | O_CLOEXEC | O_NONBLOCK
define SMALL = arg2 < 16
allow read if arg0 == 0 || arg0 >= 3 && !(arg0 == 7)
allow write if arg0:s32 < 0
allow openat if arg2 in RO
allow close if arg0:u64 <= 0x100000000
allow getpid if arg1 & 0xf0 == 0x30
allow getppid if arg1 & 0xf0 != 0x30
allow mmap if arg2 & PROT_EXEC
allow lseek if SMALL && arg1:s64 > -5
allow dup if arg0:s64 > -2
`)
	const hi = 0xdead_beef_0000_0000
	checkCalls(t, p, []call{
		{name: "read", args: [6]uint64{0}, want: seccomp.Allow},
		{name: "read", args: [6]uint64{1}, want: seccomp.Errno(1)},
		{name: "read", args: [6]uint64{3}, want: seccomp.Allow},
		{name: "read", args: [6]uint64{7}, want: seccomp.Errno(1)},
		{name: "write", args: [6]uint64{0xffffffff}, want: seccomp.Allow},
		{name: "write", args: [6]uint64{hi | 0xffffffff}, want: seccomp.Allow}, // upper half ignored
		{name: "write", args: [6]uint64{0x7fffffff}, want: seccomp.Errno(1)},
		{name: "openat", args: [6]uint64{0, 0, 0}, want: seccomp.Allow},
		{name: "openat", args: [6]uint64{0, 0, 0x80800}, want: seccomp.Allow},
		{name: "openat", args: [6]uint64{0, 0, 1}, want: seccomp.Errno(1)},
		{name: "close", args: [6]uint64{0x100000000}, want: seccomp.Allow},
		{name: "close", args: [6]uint64{0x100000001}, want: seccomp.Errno(1)},
		{name: "getpid", args: [6]uint64{0, 0x3f}, want: seccomp.Allow},
		{name: "getpid", args: [6]uint64{0, 0x4f}, want: seccomp.Errno(1)},
		{name: "getppid", args: [6]uint64{0, 0x3f}, want: seccomp.Errno(1)},
		{name: "getppid", args: [6]uint64{0, 0x4f}, want: seccomp.Allow},
		{name: "mmap", args: [6]uint64{0, 0, 4}, want: seccomp.Allow},
		{name: "mmap", args: [6]uint64{0, 0, 3}, want: seccomp.Errno(1)},
		{name: "lseek", args: [6]uint64{0, 1, 15}, want: seccomp.Allow},
		{name: "lseek", args: [6]uint64{0, 1, 16}, want: seccomp.Errno(1)},
		{name: "dup", args: [6]uint64{^uint64(0)}, want: seccomp.Allow},
		{name: "dup", args: [6]uint64{^uint64(1)}, want: seccomp.Errno(1)},
	})
}

func TestStrictestWinsAndElse(t *testing.T) {
	p := load(t, `default errno(EPERM)
allow ioctl
errno(EIO) ioctl if arg1 == 5
kill-process ioctl if arg1 == 5 && arg2 == 1
allow fcntl if arg1 == 1 else errno(EINVAL)
`)
	checkCalls(t, p, []call{
		{name: "ioctl", args: [6]uint64{0, 4}, want: seccomp.Allow},
		{name: "ioctl", args: [6]uint64{0, 5}, want: seccomp.Errno(5)},
		{name: "ioctl", args: [6]uint64{0, 5, 1}, want: seccomp.KillProcess},
		{name: "fcntl", args: [6]uint64{0, 1}, want: seccomp.Allow},
		{name: "fcntl", args: [6]uint64{0, 2}, want: seccomp.Errno(22)},
	})
}

func TestArchesAndGuards(t *testing.T) {
	p := load(t, `default errno(EPERM)
arch x86_64, i386
bad-arch trap
allow read
allow[i386] socketcall
allow[x86_64] write
`)
	if len(p.Arches) != 2 || p.Arches[0] != syscalls.ArchX86_64 || p.Arches[1] != syscalls.ArchI386 {
		t.Fatalf("arches %v", p.Arches)
	}
	checkCalls(t, p, []call{
		{arch: syscalls.ArchX86_64, name: "read", want: seccomp.Allow},
		{arch: syscalls.ArchI386, name: "read", want: seccomp.Allow},
		{arch: syscalls.ArchI386, name: "socketcall", want: seccomp.Allow},
		{arch: syscalls.ArchX86_64, name: "write", want: seccomp.Allow},
		{arch: syscalls.ArchI386, name: "write", want: seccomp.Errno(1)},
		{arch: syscalls.ArchX32, name: "read", want: seccomp.Trap},
		{arch: syscalls.ArchAArch64, name: "read", want: seccomp.Trap},
	})
}

// Constants whose values differ between ABIs split a rule per ABI.
func TestPerArchConstants(t *testing.T) {
	x, _ := syscalls.ConstantFor(syscalls.ArchX86_64, "O_DIRECTORY")
	a, _ := syscalls.ConstantFor(syscalls.ArchAArch64, "O_DIRECTORY")
	if x == a {
		t.Fatalf("O_DIRECTORY is %#x on both x86_64 and aarch64 in the tables: this test needs a constant whose value differs between ABIs, pick another", x)
	}
	p := load(t, `default errno(EPERM)
arch x86_64, aarch64
allow openat if arg2 == O_DIRECTORY
`)
	checkCalls(t, p, []call{
		{arch: syscalls.ArchX86_64, name: "openat", args: [6]uint64{0, 0, x}, want: seccomp.Allow},
		{arch: syscalls.ArchX86_64, name: "openat", args: [6]uint64{0, 0, a}, want: seccomp.Errno(1)},
		{arch: syscalls.ArchAArch64, name: "openat", args: [6]uint64{0, 0, a}, want: seccomp.Allow},
		{arch: syscalls.ArchAArch64, name: "openat", args: [6]uint64{0, 0, x}, want: seccomp.Errno(1)},
	})
}

func TestIncludes(t *testing.T) {
	p := load(t, `include "lib/base.policy"
allow NET
`, "lib/base.policy", "default errno(EPERM)\ninclude \"net.policy\"\ninclude \"../lib/net.policy\"\n",
		"lib/net.policy", "define NET = connect, bind\n")
	checkCalls(t, p, []call{
		{name: "connect", want: seccomp.Allow},
		{name: "bind", want: seccomp.Allow},
		{name: "read", want: seccomp.Errno(1)},
	})
	for _, r := range p.Rules {
		if r.Source != "main.policy:2:7" {
			t.Errorf("rule %s source %q, want main.policy:2:7", r.Syscall, r.Source)
		}
	}
}

func TestErrorsAs(t *testing.T) {
	_, err := loadErr("default errno(EPERM)\nallow opnat\nallow read if arg9 == 0\n")
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("want 2 errors, got %v", err)
	}
	if list[0].Pos.Line != 2 || list[1].Pos.Line != 3 {
		t.Errorf("errors not sorted by position: %v", err)
	}
	var e *Error
	if !errors.As(err, &e) || e.Suggest != "openat" {
		t.Errorf("errors.As(*Error) = %+v", e)
	}
}

func TestFormat(t *testing.T) {
	src := `# header comment
policy   "x"   version 2
default errno( EPERM )


define NET=socket,connect   # trailing
# leading
allow read,write,   # inside
   close
allow openat if (arg2 & O_ACCMODE==O_RDONLY)||arg2 in O_CLOEXEC|O_NONBLOCK else errno(EACCES)
kill-process[x86_64] ptrace
# last
`
	want := `# header comment
policy "x" version 2
default errno(EPERM)

define NET = socket, connect  # trailing
# leading
# inside
allow read, write, close
allow openat if (arg2 & O_ACCMODE == O_RDONLY) || arg2 in O_CLOEXEC | O_NONBLOCK else errno(EACCES)
kill-process[x86_64] ptrace
# last
`
	f, err := Parse("x.policy", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := string(Format(f))
	if got != want {
		t.Fatalf("Format\n--- got\n%s--- want\n%s", got, want)
	}
	f2, err := Parse("x.policy", []byte(got))
	if err != nil {
		t.Fatal(err)
	}
	if again := string(Format(f2)); again != got {
		t.Errorf("Format is not idempotent\n--- first\n%s--- second\n%s", got, again)
	}
}

// The builtin policies are the largest policies we have: formatting them
// must be stable and must not change what they decide. default.policy is
// kept in canonical form.
func TestFormatBuiltinStable(t *testing.T) {
	for _, name := range BuiltinNames() {
		src, err := BuiltinSource(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := Parse(name, src)
		if err != nil {
			t.Fatal(err)
		}
		out := Format(f)
		f2, err := Parse(name, out)
		if err != nil {
			t.Fatalf("formatted %s does not parse: %v\n%s", name, err, out)
		}
		if again := Format(f2); !bytes.Equal(again, out) {
			t.Errorf("Format(%s) is not idempotent", name)
		}
		p1, err1 := LoadSource(builtinPath(name), src, LoadOptions{FS: builtinFS})
		p2, err2 := LoadSource(builtinPath(name), out, LoadOptions{FS: builtinFS})
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / formatted: %v", name, err1, err2)
		}
		if a, b := ruleText(p1), ruleText(p2); a != b {
			t.Errorf("formatting %s changed its rules", name)
		}
		if name == "default" && !bytes.Equal(out, src) {
			t.Errorf("builtin %s is not in canonical form (gofmt for policies); Format gives:\n%s", name, out)
		}
	}
}

// A name the headers define as an alias resolves to the canonical name the
// tables (and Decide) use.
func TestAliasName(t *testing.T) {
	p := load(t, "default errno(EPERM)\narch arm\nallow sync_file_range2\n")
	checkCalls(t, p, []call{{arch: syscalls.ArchARM, name: "sync_file_range2", want: seccomp.Allow}})
	if p.Rules[0].Syscall != "arm_sync_file_range" {
		t.Errorf("rule names %q", p.Rules[0].Syscall)
	}
}

// The caret lines up under a tab-indented token, and errors from several
// files come sorted by file, line and column.
func TestErrorRendering(t *testing.T) {
	_, err := loadErr("default errno(EPERM)\ninclude \"b.policy\"\n\tallow\tfrobnicate\n", "b.policy", "allow opnat\n")
	want := `b.policy:1:7: unknown syscall "opnat"
    allow opnat
          ^
    did you mean "openat"?
main.policy:3:8: unknown syscall "frobnicate"
    	allow	frobnicate
    	     	^`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// A define of `argument & MASK` is a condition, expanded per syscall: the
// argument sits at different positions in openat and pipe2.
func TestConditionDefinePerSyscall(t *testing.T) {
	p := load(t, `default errno(EPERM)
define CLOEXEC = flags & O_CLOEXEC
allow openat, pipe2 if CLOEXEC
`)
	cloexec := constant(t, "O_CLOEXEC")
	checkCalls(t, p, []call{
		{name: "openat", args: [6]uint64{0, 0, cloexec}, want: seccomp.Allow},
		{name: "openat", args: [6]uint64{cloexec, 0, 0}, want: seccomp.Errno(1)},
		{name: "pipe2", args: [6]uint64{0, cloexec}, want: seccomp.Allow},
		{name: "pipe2", args: [6]uint64{0, 0}, want: seccomp.Errno(1)},
	})
}

// Named arguments take the width and signedness of their C type.
func TestArgumentWidths(t *testing.T) {
	p := load(t, `default errno(EPERM)
allow openat if dirfd == AT_FDCWD
allow read if fd < 0
allow lseek if whence > 1
allow write if count > 0xffffffff
`)
	const hi = 0x12345678_00000000
	checkCalls(t, p, []call{
		{name: "openat", args: [6]uint64{0xffffff9c}, want: seccomp.Allow},
		{name: "openat", args: [6]uint64{hi | 0xffffff9c}, want: seccomp.Allow},
		{name: "openat", args: [6]uint64{^uint64(99)}, want: seccomp.Allow},
		{name: "read", args: [6]uint64{0xffffffff}, want: seccomp.Allow}, // fd -1: signed
		{name: "read", args: [6]uint64{hi | 5}, want: seccomp.Errno(1)},
		{name: "lseek", args: [6]uint64{0, 0, 0xffffffff}, want: seccomp.Allow}, // unsigned int
		{name: "lseek", args: [6]uint64{0, 0, hi | 1}, want: seccomp.Errno(1)},
		{name: "write", args: [6]uint64{0, 0, 1 << 32}, want: seccomp.Allow}, // size_t: 64 bits
		{name: "write", args: [6]uint64{0, 0, 0xffffffff}, want: seccomp.Errno(1)},
	})
}

// Sets nest, include groups, and may be used before they are defined;
// constants defines evaluate per ABI; errno names are values.
func TestDefines(t *testing.T) {
	p := load(t, `default errno(EPERM)
allow ALL
allow fcntl if arg1 == CMD
define ALL = NET, @timer, read
define NET = socket, connect
define CMD = F_GETFL
errno(EACCES | 0) getpid if arg0 == EPERM
`)
	checkCalls(t, p, []call{
		{name: "read", want: seccomp.Allow},
		{name: "socket", want: seccomp.Allow},
		{name: "connect", want: seccomp.Allow},
		{name: "timer_create", want: seccomp.Allow},
		{name: "fcntl", args: [6]uint64{0, constant(t, "F_GETFL")}, want: seccomp.Allow},
		{name: "getpid", args: [6]uint64{1}, want: seccomp.Errno(13)},
		{name: "write", want: seccomp.Errno(1)},
	})
}

// Macros that use each other twice over would expand exponentially; the
// resolver stops at a bound with an error instead of running out of memory.
func TestConditionExpansionBound(t *testing.T) {
	src := "default errno(EPERM)\ndefine C0 = arg0 == 1\n"
	for i := 1; i <= 30; i++ {
		src += fmt.Sprintf("define C%d = C%d || C%d\n", i, i-1, i-1)
	}
	src += "allow read if C30\n"
	start := time.Now()
	_, err := loadErr(src)
	if err == nil || !strings.Contains(err.Error(), "more than 10000 parts") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// Constant defines built from each other are evaluated once per ABI, not
// once per use.
func TestConstantDefineChain(t *testing.T) {
	src := "default errno(EPERM)\narch x86_64, aarch64\ndefine K0 = O_CLOEXEC\n"
	for i := 1; i <= 40; i++ {
		src += fmt.Sprintf("define K%d = K%d | K%d\n", i, i-1, i-1)
	}
	src += "allow openat if flags == K40\n"
	start := time.Now()
	p := load(t, src)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
	checkCalls(t, p, []call{
		{arch: syscalls.ArchAArch64, name: "openat", args: [6]uint64{0, 0, constant(t, "O_CLOEXEC")}, want: seccomp.Allow},
	})
}

// Sets built from each other twice over keep each syscall once.
func TestSetDefineChain(t *testing.T) {
	src := "default errno(EPERM)\ndefine S0 = read, write\n"
	for i := 1; i <= 40; i++ {
		src += fmt.Sprintf("define S%d = S%d, S%d\n", i, i-1, i-1)
	}
	src += "allow S40\n"
	p := load(t, src)
	if len(p.Rules) != 2 {
		t.Errorf("%d rules, want 2", len(p.Rules))
	}
}

// Deep nesting is an error, not a stack overflow.
func TestDeepNesting(t *testing.T) {
	for _, src := range []string{
		"default errno(EPERM)\nallow read if " + strings.Repeat("(", 100000) + "arg0 == 1" + strings.Repeat(")", 100000) + "\n",
		"default errno(EPERM)\nallow read if " + strings.Repeat("!", 100000) + "arg0 == 1\n",
		"default errno(EPERM)\nallow read if arg0 == " + strings.Repeat("-~", 100000) + "1\n",
	} {
		_, err := Parse("deep.policy", []byte(src))
		if err == nil || !strings.Contains(err.Error(), "nested more than") {
			t.Errorf("got %.200v", err)
		}
	}
	// Nesting within the bound is fine.
	src := "default errno(EPERM)\nallow read if " + strings.Repeat("(", 50) + "arg0 == 1" + strings.Repeat(")", 50) + "\n"
	if _, err := loadErr(src); err != nil {
		t.Error(err)
	}
}

// The manual's opening example loads.
func TestManualExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal("docs/policy.md is not beside the package")
	}
	_, rest, _ := strings.Cut(string(doc), "```\n")
	example, _, _ := strings.Cut(rest, "```")
	p := load(t, example, "base.policy", "# shared rules would go here\n")
	checkCalls(t, p, []call{
		{name: "openat", args: [6]uint64{0, 0, constant(t, "O_CLOEXEC")}, want: seccomp.Allow},
		{name: "openat", args: [6]uint64{0, 0, constant(t, "O_WRONLY")}, want: seccomp.Errno(1)},
		{name: "socket", args: [6]uint64{constant(t, "AF_PACKET")}, want: seccomp.Errno(97)},
		{name: "ptrace", want: seccomp.KillProcess},
	})
}

// The manual's rule examples load (each block with a default added).
func TestManualBlocks(t *testing.T) {
	doc, err := os.ReadFile("../docs/policy.md")
	if err != nil {
		t.Fatal("docs/policy.md is not beside the package")
	}
	blocks := strings.Split(string(doc), "```")
	tested := 0
	for i := 1; i < len(blocks); i += 2 {
		b := strings.TrimPrefix(blocks[i], "\n")
		for _, prefix := range []string{"allow openat if flags in", "define NET      =", "allow ioctl  ", "arch x86_64, i386\nallow[i386]", "allow read, write, close,\n"} {
			if strings.HasPrefix(b, prefix) {
				load(t, "default errno(EPERM)\n"+b)
				tested++
			}
		}
	}
	if tested != 5 {
		t.Errorf("found %d of the 5 manual blocks this test knows", tested)
	}
}

// TestHotList: `hot` names syscalls for the compiler to test first; it is
// kept by Print and never changes a decision.
func TestHotList(t *testing.T) {
	src := "default errno(EPERM)\nhot futex, read\nallow read, write, futex\n"
	p, err := LoadSource("hot.policy", []byte(src), LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Hot, ",") != "futex,read" {
		t.Fatalf("Hot = %v", p.Hot)
	}
	q, err := LoadSource("printed", Print(p), LoadOptions{})
	if err != nil {
		t.Fatalf("printed policy does not load: %v\n%s", err, Print(p))
	}
	if strings.Join(q.Hot, ",") != "futex,read" {
		t.Errorf("Print lost the hot list: %s", Print(p))
	}
	if _, err := LoadSource("bad.policy", []byte("default allow\nhot raed\n"), LoadOptions{}); err == nil || !strings.Contains(err.Error(), `"read"`) {
		t.Errorf("misspelled hot syscall: %v", err)
	}
}
