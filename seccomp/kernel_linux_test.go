package seccomp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// Kernel agreement: the kernel's verdicts on a compiled filter must match the
// emulator's. Every return of the filter is rewritten to ERRNO(tag), tag a
// small index of the distinct return values, so no syscall body runs; the
// filter is installed in a child (testdata/kernel_agree.c, one per filter)
// that issues raw syscalls with random numbers and arguments and reports the
// errnos. The child's own output goes through a guard prefixed to the
// filter: write and exit_group with args[5] == guardMagic are allowed, and
// no test case carries that value.

const guardMagic = 0x5eccf11e7e57a9e5

var (
	helperOnce sync.Once
	helperPath string
	helperErr  error
)

func kernelHelper(t *testing.T) string {
	t.Helper()
	helperOnce.Do(func() {
		dir, err := os.MkdirTemp("", "seccomp-kernel-agree")
		if err != nil {
			helperErr = err
			return
		}
		helperPath = filepath.Join(dir, "kernel_agree")
		// -mno-red-zone: call_i386 pushes below the stack pointer.
		out, err := exec.Command("gcc", "-O2", "-mno-red-zone", "-o", helperPath, "testdata/kernel_agree.c").CombinedOutput()
		if err != nil {
			helperErr = fmt.Errorf("gcc (package gcc, listed in .ci/apt-packages): %v\n%s", err, out)
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helperPath
}

// tagReturns rewrites every RET K to RET ERRNO|tag and returns the tag of
// each original value.
func tagReturns(prog []bpf.Instruction) ([]bpf.Instruction, map[uint32]uint16) {
	var rets []uint32
	for _, ins := range prog {
		if ins.Op == opRetK && !slices.Contains(rets, ins.K) {
			rets = append(rets, ins.K)
		}
	}
	slices.Sort(rets)
	tags := map[uint32]uint16{}
	for i, r := range rets {
		tags[r] = uint16(100 + i) // clear of errnos a libc might invent
	}
	out := slices.Clone(prog)
	for i, ins := range out {
		if ins.Op == opRetK {
			out[i].K = RetErrno | uint32(tags[ins.K])
		} else if bpf.IsRet(ins) {
			panic("compiled program returns A")
		}
	}
	return out, tags
}

// guard allows the helper's own write/exit_group (args[5] == guardMagic)
// and goes on to the filter under test (right after it) otherwise. Offsets
// count to main, the instruction after the guard; checkGuard verifies them
// with the emulator before anything runs under the kernel.
func guard() []bpf.Instruction {
	const main = 10
	to := func(from int) uint8 { return uint8(main - from - 1) }
	return []bpf.Instruction{
		0: {Op: opLdAbsW, K: bpf.OffsetArch},
		1: {Op: opJeq, K: syscalls.AuditArchX86_64, Jt: 0, Jf: to(1)},
		2: {Op: opLdAbsW, K: bpf.OffsetNr},
		3: {Op: opJeq, K: unix.SYS_WRITE, Jt: 1, Jf: 0},
		4: {Op: opJeq, K: unix.SYS_EXIT_GROUP, Jt: 0, Jf: to(4)},
		5: {Op: opLdAbsW, K: bpf.ArgLow(5)},
		6: {Op: opJeq, K: guardMagic & 0xffffffff, Jt: 0, Jf: to(6)},
		7: {Op: opLdAbsW, K: bpf.ArgHigh(5)},
		8: {Op: opJeq, K: guardMagic >> 32, Jt: 0, Jf: to(8)},
		9: {Op: opRetK, K: RetAllow},
	}
}

// TestGuard checks the guard itself: it allows exactly the helper's output
// calls and passes everything else to the program after it.
func TestGuard(t *testing.T) {
	prog := append(guard(), bpf.Instruction{Op: opRetK, K: RetErrno | 7})
	for _, c := range []struct {
		nr    int32
		arch  uint32
		arg5  uint64
		allow bool
	}{
		{unix.SYS_WRITE, syscalls.AuditArchX86_64, guardMagic, true},
		{unix.SYS_EXIT_GROUP, syscalls.AuditArchX86_64, guardMagic, true},
		{unix.SYS_WRITE, syscalls.AuditArchX86_64, guardMagic ^ 1, false},
		{unix.SYS_WRITE, syscalls.AuditArchX86_64, guardMagic ^ 1<<32, false},
		{unix.SYS_WRITE, syscalls.AuditArchI386, guardMagic, false},
		{unix.SYS_READ, syscalls.AuditArchX86_64, guardMagic, false},
		{unix.SYS_EXIT, syscalls.AuditArchX86_64, guardMagic, false},
		{unix.SYS_REBOOT, syscalls.AuditArchX86_64, 0, false},
	} {
		d := bpf.SeccompData{Nr: c.nr, Arch: c.arch}
		d.Args[5] = c.arg5
		ret, err := bpf.Run(prog, d)
		if err != nil {
			t.Fatal(err)
		}
		if (ret == RetAllow) != c.allow || (!c.allow && ret != RetErrno|7) {
			t.Errorf("guard on %+v: %#x, want allow=%v", c, ret, c.allow)
		}
	}
}

type kernelResult struct {
	errnos []int32
}

// runInKernel installs prog (already tagged and guarded) in a helper child and
// issues the cases.
func runInKernel(t *testing.T, prog []bpf.Instruction, cases []bpf.SeccompData) kernelResult {
	t.Helper()
	var in bytes.Buffer
	binary.Write(&in, binary.LittleEndian, uint32(len(prog)))
	in.Write(bpf.Marshal(prog))
	binary.Write(&in, binary.LittleEndian, uint32(len(cases)))
	for _, c := range cases {
		nr := uint64(uint32(c.Nr))
		if c.Arch == syscalls.AuditArchI386 {
			nr |= 1 << 32
		}
		binary.Write(&in, binary.LittleEndian, nr)
		binary.Write(&in, binary.LittleEndian, c.Args)
	}
	if p := os.Getenv("KDUMP"); p != "" {
		os.WriteFile(p, in.Bytes(), 0o644)
	}
	cmd := exec.Command(kernelHelper(t))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	r := bufio.NewReader(bytes.NewReader(out))
	line, _ := r.ReadString('\n')
	var res kernelResult
	if !strings.HasPrefix(line, "probe ") {
		t.Fatalf("helper: %v (%q, stderr %q)", err, line, stderr.String())
	}
	rest, _ := io.ReadAll(r)
	if err != nil || len(rest) != 4*len(cases) {
		t.Fatalf("helper failed: %v; output after probe %q; stderr %q", err, rest[:min(len(rest), 64)], stderr.String())
	}
	res.errnos = make([]int32, len(cases))
	binary.Read(bytes.NewReader(rest), binary.LittleEndian, res.errnos)
	return res
}

// probeABIs asks the helper whether this kernel runs i386 (int $0x80) and
// x32 syscalls.
func probeABIs(t *testing.T) (i386, x32 bool) {
	cmd := exec.Command(kernelHelper(t))
	cmd.Stdin = bytes.NewReader(make([]byte, 4))
	out, err := cmd.Output()
	var a, b int
	if _, serr := fmt.Sscanf(string(out), "probe %d %d", &a, &b); err != nil || serr != nil {
		t.Fatalf("helper probe: %v %v (%q)", err, serr, out)
	}
	return a == 1, b == 1
}

// bypassesSeccomp reports syscalls the kernel runs without consulting
// seccomp (see the package doc): uretprobe and uprobe on the native arch;
// called from anywhere but the uprobe trampoline, uretprobe kills the
// caller with SIGILL and uprobe fails with ENXIO.
func bypassesSeccomp(d bpf.SeccompData) bool {
	return d.Arch == syscalls.AuditArchX86_64 && (d.Nr == 335 || d.Nr == 336)
}

func TestKernelAgreement(t *testing.T) {
	i386, x32 := probeABIs(t)
	if !i386 {
		t.Log("this kernel runs no i386 syscalls from 64-bit code (int $0x80 faults: no CONFIG_IA32_EMULATION, or ia32_emulation=0): i386 branches are checked against Decide by the emulator only")
	} else {
		t.Log("i386 syscalls through int $0x80 work here: i386 cases are issued too, with garbage in the upper register halves")
	}
	if !x32 {
		t.Log("this kernel has no x32 ABI (CONFIG_X86_X32_ABI): x32 numbers still reach the filter (seccomp runs before syscall dispatch), so the x32 branch is checked by the kernel at the filter level")
	}
	npolicies, ncases := 12, 400
	if os.Getenv("RINGFENCE_LONG") != "" {
		npolicies = 300
	}
	total, totalI386 := 0, 0
	for seed := uint64(1); seed <= uint64(npolicies); seed++ {
		g := newGen(seed, 0x6e7e1)
		p := g.policy()
		if !slices.Contains(p.AdmittedArches(), syscalls.ArchX86_64) {
			p.Arches = append(p.Arches, syscalls.ArchX86_64)
		}
		for _, opts := range []Options{{}, {NoOptimize: true}} {
			prog, err := Compile(p, opts)
			if errors.Is(err, ErrTooLong) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			tagged, tags := tagReturns(prog.Instructions)
			full := append(guard(), tagged...)
			if len(full) > bpf.MaxInstructions {
				continue
			}
			if err := bpf.Validate(full); err != nil {
				t.Fatal(err)
			}
			var cases []bpf.SeccompData
			for len(cases) < ncases {
				d := g.data(p)
				if d.Arch != syscalls.AuditArchI386 || !i386 {
					d.Arch = syscalls.AuditArchX86_64
				}
				d.InstructionPointer = 0
				if (d.Nr == unix.SYS_WRITE || d.Nr == unix.SYS_EXIT_GROUP) && d.Args[5] == guardMagic || bypassesSeccomp(d) {
					continue
				}
				cases = append(cases, d)
			}
			// No syscall body may run: the full filter must return ERRNO
			// for every case, or the test refuses to go on.
			for _, d := range cases {
				if ret, err := bpf.Run(full, d); err != nil || ret&RetActionFull != RetErrno {
					t.Fatalf("guarded filter would not return ERRNO for %+v: %#x %v", d, ret, err)
				}
			}
			res := runInKernel(t, full, cases)
			for i, d := range cases {
				ret, err := bpf.Run(prog.Instructions, d)
				if err != nil {
					t.Fatal(err)
				}
				want := int32(tags[ret])
				if res.errnos[i] != want {
					t.Fatalf("kernel and emulator disagree on nr=%#x args=%#x: kernel errno %d, emulator tag %d (%v)\npolicy: %s",
						uint32(d.Nr), d.Args, res.errnos[i], want, ActionFromRet(ret), dumpPolicy(p))
				}
				total++
				if d.Arch == syscalls.AuditArchI386 {
					totalI386++
				}
			}
		}
	}
	t.Logf("kernel agreement: %d policies x 2 compiles, %d syscalls (%d of them i386 through int $0x80), 0 disagreements", npolicies, total, totalI386)
}
