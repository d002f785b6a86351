package syscalls

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestI386NumbersMatchKernel checks the i386 table against the running
// kernel's int $0x80 entry: a freestanding 32-bit program (no libc, so no
// multilib needed), whose syscall numbers are taken from our table, calls
// identity syscalls and calls that exist but fail on bad arguments, and
// prints the results.
func TestI386NumbersMatchKernel(t *testing.T) {
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("gcc not installed (needed to build the 32-bit probe): apt-get install gcc (scripts/setup does)")
	}
	n := func(name string) int {
		nr, ok := Number(ArchI386, name)
		if !ok {
			t.Fatalf("i386 table lacks %s", name)
		}
		return nr
	}
	// Each probe: a call with harmless arguments. "nosys" must not be ENOSYS.
	type probe struct {
		name string
		args [3]int64
	}
	probes := []probe{
		{"getpid", [3]int64{}}, {"getppid", [3]int64{}}, {"gettid", [3]int64{}},
		{"getuid32", [3]int64{}}, {"getgid32", [3]int64{}}, {"umask", [3]int64{0o22}}, {"umask", [3]int64{0o22}},
		{"socketcall", [3]int64{0, 0}},                 // call 0 is invalid: EINVAL
		{"clone3", [3]int64{0, 0}},                     // size 0: EINVAL
		{"openat2", [3]int64{-100, 0, 0}},              // NULL how: EFAULT/EINVAL
		{"pidfd_open", [3]int64{0, 0}},                 // pid 0: EINVAL
		{"landlock_create_ruleset", [3]int64{0, 0, 1}}, // ABI version query
		{"close_range", [3]int64{1 << 30, 1 << 30, 1 << 20}},
	}
	var src strings.Builder
	src.WriteString(`static long sys3(long nr, long a, long b, long c) {
	long r;
	__asm__ volatile ("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}
static void put(long v) {
	char buf[24]; int i = sizeof buf; unsigned long u = v < 0 ? -(unsigned long)v : v;
	buf[--i] = '\n';
	do { buf[--i] = '0' + u % 10; u /= 10; } while (u);
	if (v < 0) buf[--i] = '-';
`)
	fmt.Fprintf(&src, "\tsys3(%d, 1, (long)(buf + i), sizeof buf - i);\n}\nvoid _start(void) {\n", n("write"))
	for _, p := range probes {
		fmt.Fprintf(&src, "\tput(sys3(%d, %d, %d, %d));\n", n(p.name), p.args[0], p.args[1], p.args[2])
	}
	fmt.Fprintf(&src, "\tput(sys3(%d, 0, 0, 0));\n", MaxNumber(ArchI386)+1)
	fmt.Fprintf(&src, "\tsys3(%d, 0, 0, 0);\n\tfor (;;) ;\n}\n", n("exit_group"))

	dir := t.TempDir()
	cfile, bin := filepath.Join(dir, "probe.c"), filepath.Join(dir, "probe")
	if err := os.WriteFile(cfile, []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("gcc", "-m32", "-static", "-nostdlib", "-fno-pie", "-no-pie", "-O1", "-o", bin, cfile).CombinedOutput(); err != nil {
		t.Fatalf("building the i386 probe: %v\n%s", err, out)
	}
	cmd := exec.Command(bin)
	out, err := cmd.Output()
	if errors.Is(err, syscall.ENOEXEC) {
		t.Skipf("the kernel runs no i386 binaries (CONFIG_IA32_EMULATION off or ia32_emulation=0): %v", err)
	}
	if err != nil {
		t.Fatalf("probe: %v (output %q)", err, out)
	}
	lines := strings.Fields(string(out))
	if len(lines) != len(probes)+1 {
		t.Fatalf("probe printed %d values, want %d: %q (is write = %d right?)", len(lines), len(probes)+1, out, n("write"))
	}
	val := make([]int64, len(lines))
	for i, l := range lines {
		val[i], _ = strconv.ParseInt(l, 10, 64)
	}
	pid := int64(cmd.Process.Pid)
	expect := []struct {
		i    int
		want int64
	}{{0, pid}, {1, int64(os.Getpid())}, {2, pid}, {3, int64(os.Getuid())}, {4, int64(os.Getgid())}, {6, 0o22}}
	for _, e := range expect {
		if val[e.i] != e.want {
			t.Errorf("i386 %s (nr %d) returned %d, want %d", probes[e.i].name, n(probes[e.i].name), val[e.i], e.want)
		}
	}
	enosys := -int64(syscall.ENOSYS)
	for i := 7; i < len(probes); i++ {
		if val[i] == enosys {
			t.Errorf("i386 %s (nr %d) is ENOSYS: wrong number (or kernel older than the %s headers)", probes[i].name, n(probes[i].name), HeaderVersion)
		}
	}
	if last := val[len(probes)]; last != enosys {
		t.Logf("i386 syscall %d (one past the table) returned %d: the kernel is newer than the %s headers", MaxNumber(ArchI386)+1, last, HeaderVersion)
	}
}

// TestX32NumbersMatchKernel issues x32 calls (number | X32SyscallBit) from
// this 64-bit process, which the kernel accepts when built with x32 support.
func TestX32NumbersMatchKernel(t *testing.T) {
	nr, _ := Number(ArchX32, "getpid")
	pid, _, e := syscall.RawSyscall(uintptr(nr), 0, 0, 0)
	if e == syscall.ENOSYS {
		t.Skip("the running kernel has no x32 ABI (CONFIG_X86_X32_ABI off or syscall.x32=n)")
	}
	if int(pid) != os.Getpid() {
		t.Errorf("x32 getpid (nr %#x) = %d, want %d", nr, pid, os.Getpid())
	}
	uidNr, _ := Number(ArchX32, "getuid")
	if uid, _, _ := syscall.RawSyscall(uintptr(uidNr), 0, 0, 0); int(uid) != os.Getuid() {
		t.Errorf("x32 getuid (nr %#x) = %d, want %d", uidNr, uid, os.Getuid())
	}
}
