package bpf

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
)

// The kernel agreement tests run every filter in a fresh child of a small
// C helper (testdata/seccomp_helper.c), built here with gcc: filters are
// irrevocable, and the Go runtime makes syscalls of its own that a filter
// would decide too.

const auditArchX8664 = 0xc000003e

var (
	helperOnce sync.Once
	helperPath string
	helperErr  error
	helperDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if helperDir != "" {
		os.RemoveAll(helperDir)
	}
	os.Exit(code)
}

func seccompHelper(t testing.TB) string {
	t.Helper()
	helperOnce.Do(func() {
		helperDir, helperErr = os.MkdirTemp("", "ringfence-bpf-helper")
		if helperErr != nil {
			return
		}
		helperPath = filepath.Join(helperDir, "seccomp_helper")
		out, err := exec.Command("gcc", "-O2", "-Wall", "-o", helperPath, "testdata/seccomp_helper.c").CombinedOutput()
		if err != nil {
			helperErr = fmt.Errorf("building testdata/seccomp_helper.c (apt-get install gcc libc6-dev): %v\n%s", err, out)
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helperPath
}

var seccompOnce sync.Once
var seccompErrno int32

// requireSeccompFilter skips when the kernel cannot install even a
// one-instruction allow filter (no CONFIG_SECCOMP_FILTER).
func requireSeccompFilter(t *testing.T) {
	t.Helper()
	seccompOnce.Do(func() {
		seccompErrno = runHelper(t, [][]Instruction{{Stmt(OpRetK, retAllow)}}, nil)[0].install
	})
	if seccompErrno != 0 {
		t.Skipf("kernel lacks seccomp filter mode (CONFIG_SECCOMP_FILTER): installing a one-instruction allow filter fails with errno %d", seccompErrno)
	}
}

// kernelCall is one syscall a helper child issues under the filter.
type kernelCall struct {
	nr   int32
	args [6]uint64
}

// kernelResult is what one helper child reports.
type kernelResult struct {
	install int32   // 0 or the errno of seccomp(2)
	signal  int32   // the signal that ended the child, 0 if it exited
	results []int64 // raw syscall return values, -errno on failure
}

// runHelper installs each program in its own child; calls (mode 2) are
// issued after installing, in order.
func runHelper(t testing.TB, progs [][]Instruction, calls [][]kernelCall) []kernelResult {
	t.Helper()
	var in bytes.Buffer
	mode := uint32(1)
	if calls != nil {
		mode = 2
	}
	w := func(v any) { binary.Write(&in, binary.LittleEndian, v) }
	w(mode)
	w(uint32(len(progs)))
	for i, p := range progs {
		w(uint32(len(p)))
		in.Write(Marshal(p))
		if mode == 2 {
			w(uint32(len(calls[i])))
			for _, c := range calls[i] {
				w(uint32(c.nr))
				w(c.args)
			}
		}
	}
	cmd := exec.Command(seccompHelper(t))
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("seccomp helper: %v\n%s", err, stderr.Bytes())
	}
	r := bytes.NewReader(out)
	rd := func(v any) {
		if err := binary.Read(r, binary.LittleEndian, v); err != nil {
			t.Fatalf("seccomp helper output: %v", err)
		}
	}
	res := make([]kernelResult, len(progs))
	for i := range res {
		rd(&res[i].install)
		rd(&res[i].signal)
		if mode == 2 {
			var done uint32
			rd(&done)
			res[i].results = make([]int64, done)
			rd(res[i].results)
		}
	}
	if n, _ := r.Read(make([]byte, 1)); n != 0 {
		t.Fatal("seccomp helper wrote more than expected")
	}
	_ = io.EOF
	return res
}

// validityCorpus is the edge cases and random programs the validator and
// the kernel must judge alike.
func validityCorpus(n int) [][]Instruction {
	ret := Stmt(OpRetK, retAllow)
	ja := func(k uint32) Instruction { return Stmt(OpJa, k) }
	corpus := [][]Instruction{
		{},
		{ret},
		{Stmt(OpRetA, 0)},
		{Stmt(OpRetA|0x100, 0)},
		{Stmt(ClassRET|SrcX, 0)},
		{Stmt(OpLdAbsW, 0)},
		{Stmt(OpLdAbsW, 60), ret},
		{Stmt(OpLdAbsW, 64), ret},
		{Stmt(OpLdAbsW, 2), ret},
		{Stmt(OpLdAbsW, 0xfffff000), ret}, // ancillary load
		{Stmt(OpLdAbsW, 0xfffff004), ret},
		{Stmt(ClassLD|SizeH|ModeABS, 0), ret},
		{Stmt(ClassLD|SizeB|ModeABS, 0), ret},
		{Stmt(ClassLD|SizeW|ModeIND, 0), ret},
		{Stmt(ClassLDX|SizeB|ModeMSH, 0), ret},
		{Stmt(OpLdLenW, 0), ret},
		{Stmt(OpLdxLenW, 0), ret},
		{Stmt(OpLdImm|SizeH, 0), ret},
		{Stmt(ClassALU|uint16(ALUDiv)|SrcK, 0), ret},
		{Stmt(ClassALU|uint16(ALUDiv)|SrcK, 1), ret},
		{Stmt(ClassALU|uint16(ALUDiv)|SrcX, 0), ret},
		{Stmt(ClassALU|uint16(ALUMod)|SrcK, 3), ret},
		{Stmt(ClassALU|uint16(ALUMod)|SrcX, 0), ret},
		{Stmt(ClassALU|uint16(ALULsh)|SrcK, 31), ret},
		{Stmt(ClassALU|uint16(ALULsh)|SrcK, 32), ret},
		{Stmt(ClassALU|uint16(ALURsh)|SrcK, 32), ret},
		{Stmt(OpNeg, 0), ret},
		{Stmt(OpNeg|SrcX, 0), ret},
		{Stmt(OpSt, 15), Stmt(OpLdMem, 15), ret},
		{Stmt(OpSt, 16), ret},
		{Stmt(OpLdMem, 0), ret},
		{Stmt(OpStx, 3), Stmt(OpLdxMem, 3), ret},
		{Stmt(OpSt, 1), Stmt(OpLdMem, 2), ret},
		{ja(0), ret},
		{ja(1), ret},
		{ja(1), ret, ret},
		{ja(0xffffffff), ret},
		{Jump(ClassJMP|JmpJEQ|SrcK, 0, 0, 1), ret, ret},
		{Jump(ClassJMP|JmpJEQ|SrcK, 0, 0, 2), ret, ret},
		{Jump(ClassJMP|JmpJEQ|SrcK, 0, 2, 0), ret, ret},
		{Jump(ClassJMP|0x50|SrcK, 0, 0, 0), ret}, // eBPF's JNE is not classic
		{Stmt(OpJa, 0) /* jt/jf ignored */, ret},
		{Instruction{Op: OpJa, Jt: 5, Jf: 9}, ret},
		{Instruction{Op: OpRetK, Jt: 1, Jf: 1, K: retAllow}},
		// flow rule: a store before a jump counts at its target only if
		// every jump into the target stored it
		{Stmt(OpSt, 0), Jump(ClassJMP|JmpJEQ|SrcK, 0, 0, 0), Stmt(OpLdMem, 0), ret},
		{Jump(ClassJMP|JmpJEQ|SrcK, 0, 0, 1), Stmt(OpSt, 0), Stmt(OpLdMem, 0), ret},
		{Stmt(OpSt, 0), Jump(ClassJMP|JmpJEQ|SrcK, 0, 0, 1), Stmt(OpSt, 1), Stmt(OpLdMem, 0), ret},
		{Stmt(OpSt, 0), Jump(ClassJMP|JmpJEQ|SrcK, 0, 0, 1), Stmt(OpSt, 1), Stmt(OpLdMem, 1), ret},
		// code after an unconditional jump that nothing jumps to: the
		// kernel treats every slot as written there
		{ja(1), Stmt(OpLdMem, 7), ret},
		{ja(0), Stmt(OpLdMem, 7), ret},
	}
	long := make([]Instruction, MaxInstructions)
	for i := range long {
		long[i] = ret
	}
	corpus = append(corpus, long, append(long[:len(long):len(long)], ret))
	jaLong := append([]Instruction{ja(MaxInstructions - 2)}, long[1:]...)
	corpus = append(corpus, jaLong)
	for op := 0; op < 256; op++ {
		corpus = append(corpus, []Instruction{Stmt(uint16(op), 4), ret, ret})
	}
	g := newGen(1)
	for len(corpus) < n {
		p := g.safeProgram(40, true)
		if g.r.IntN(4) != 0 {
			p = g.mutate(p)
		}
		corpus = append(corpus, p)
	}
	return corpus
}

// TestValidateAgreesWithKernel: the kernel accepts a program exactly when
// Validate does.
func TestValidateAgreesWithKernel(t *testing.T) {
	requireSeccompFilter(t)
	n := 10000
	if os.Getenv("RINGFENCE_LONG") != "" {
		n = 50000
	}
	corpus := validityCorpus(n)
	res := runHelper(t, corpus, nil)
	accepted, bad := 0, 0
	for i, p := range corpus {
		verr := Validate(p)
		kernelOK := res[i].install == 0
		if kernelOK {
			accepted++
		}
		if kernelOK != (verr == nil) {
			bad++
			if bad <= 10 {
				t.Errorf("program %d: kernel install errno %d, Validate: %v\n%s", i, res[i].install, verr, rawListing(p))
			}
		}
		if !kernelOK && res[i].install != int32(syscall.EINVAL) {
			t.Errorf("program %d: kernel refused with errno %d, not EINVAL", i, res[i].install)
		}
	}
	t.Logf("%d programs, %d accepted by the kernel, %d disagreements", len(corpus), accepted, bad)
	if accepted < len(corpus)/10 || accepted > len(corpus)*9/10 {
		t.Errorf("corpus is lopsided: %d of %d accepted", accepted, len(corpus))
	}
}

func rawListing(p []Instruction) string {
	var b bytes.Buffer
	for i, ins := range p {
		fmt.Fprintf(&b, "  %3d: op %#04x jt %d jf %d k %#x\n", i, ins.Op, ins.Jt, ins.Jf, ins.K)
	}
	return b.String()
}

// exitGroupPrefix lets the helper's child exit: it allows exit_group and
// restores A to zero before the program under test.
var exitGroupPrefix = []Instruction{
	Stmt(OpLdAbsW, OffsetNr),
	Jump(ClassJMP|JmpJEQ|SrcK, exitGroupNr, 0, 1),
	Stmt(OpRetK, retAllow),
	Stmt(OpLdImm, 0),
}

// TestEmulatorAgreesWithKernel: random programs whose every return is
// ERRNO(tag) run in the kernel on raw syscalls with random numbers and
// arguments, and the errno each call gets must be the emulator's verdict.
// A division by X == 0 returns 0 (kill-thread): the child must die of
// SIGSYS exactly at the first call the emulator says so.
func TestEmulatorAgreesWithKernel(t *testing.T) {
	requireSeccompFilter(t)
	nprogs, ncalls := 2000, 64
	if os.Getenv("RINGFENCE_LONG") != "" {
		nprogs = 10000
	}
	g := newGen(2)
	g.skipNr = seccompBypass(t)
	progs := make([][]Instruction, nprogs)
	calls := make([][]kernelCall, nprogs)
	want := make([][]uint32, nprogs)
	kills := 0
	for i := range progs {
		maxBlocks := 30
		if i%10 == 0 {
			maxBlocks = 400 // long jumps
		}
		prog := append(append([]Instruction(nil), exitGroupPrefix...), g.safeProgram(maxBlocks, false)...)
		if err := Validate(prog); err != nil {
			t.Fatalf("generated program is invalid: %v", err)
		}
		progs[i] = prog
		var killCall *kernelCall
		for j := 0; j < ncalls; j++ {
			d := g.data(auditArchX8664)
			ret, err := Run(prog, d)
			if err != nil {
				t.Fatalf("emulator on a valid program: %v", err)
			}
			c := kernelCall{nr: d.Nr, args: d.Args}
			if ret == 0 {
				if killCall == nil {
					killCall = &c
				}
				continue
			}
			if ret&0xffff0000 != retErrno {
				t.Fatalf("generator made a program returning %#x", ret)
			}
			calls[i] = append(calls[i], c)
			want[i] = append(want[i], ret)
		}
		if killCall != nil {
			calls[i] = append(calls[i], *killCall)
			want[i] = append(want[i], 0)
			kills++
		}
	}
	res := runHelper(t, progs, calls)
	bad, checked := 0, 0
	for i, r := range res {
		if r.install != 0 {
			t.Fatalf("program %d: kernel refused a valid program: errno %d\n%s", i, r.install, rawListing(progs[i]))
		}
		for j, w := range want[i] {
			c := calls[i][j]
			if w == 0 {
				if j != len(r.results) || r.signal != int32(syscall.SIGSYS) {
					bad++
					t.Errorf("program %d call %d nr %d args %#x: emulator says kill-thread; child completed %d calls, signal %d", i, j, c.nr, c.args, len(r.results), r.signal)
				}
				continue
			}
			if j >= len(r.results) {
				bad++
				t.Errorf("program %d: child stopped after %d of %d calls (signal %d)", i, len(r.results), len(want[i]), r.signal)
				break
			}
			checked++
			errno := int64(min(w&0xffff, maxErrnoData))
			if r.results[j] != -errno {
				bad++
				if bad <= 10 {
					t.Errorf("program %d call %d nr %d args %#x: kernel returned %d, emulator verdict %#x (errno %d)\n%s", i, j, c.nr, c.args, r.results[j], w, errno, rawListing(progs[i]))
				}
			}
		}
	}
	t.Logf("%d programs, %d syscalls compared, %d kill-thread verdicts confirmed, %d disagreements", nprogs, checked, kills, bad)
}

// seccompBypass returns the syscall numbers in 0..1023 that this kernel
// handles before seccomp sees them: a filter that returns ERRNO for
// everything does not decide them. A stock kernel has none; some VM guest
// kernels (this project's CI runs in one) divert a few numbers to the
// hypervisor. Random calls leave them out, since no filter can be tested on
// them.
func seccompBypass(t *testing.T) map[int32]bool {
	t.Helper()
	const tag = 7
	prog := append(append([]Instruction(nil), exitGroupPrefix...), Stmt(OpRetK, retErrno|tag))
	bypass := map[int32]bool{}
	for start := int32(0); start < 1024; {
		var calls []kernelCall
		for nr := start; nr < 1024; nr++ {
			if nr != exitGroupNr {
				calls = append(calls, kernelCall{nr: nr})
			}
		}
		r := runHelper(t, [][]Instruction{prog}, [][]kernelCall{calls})[0]
		for j, v := range r.results {
			if v != -tag {
				bypass[calls[j].nr] = true
			}
		}
		if len(r.results) == len(calls) {
			break
		}
		dead := calls[len(r.results)].nr // the call that ended the child
		bypass[dead] = true
		start = dead + 1
	}
	if len(bypass) > 0 {
		nrs := make([]int32, 0, len(bypass))
		for nr := range bypass {
			nrs = append(nrs, nr)
		}
		slices.Sort(nrs)
		t.Logf("this kernel handles syscalls %v before seccomp (a filter returning ERRNO does not decide them): left out of the random calls", nrs)
	}
	return bypass
}

// kernelTestBuilder starts a directed kernel test program: exit_group
// passes, then X = args[1].lo and A = args[0].lo.
func kernelTestBuilder() *Builder {
	b := NewBuilder()
	exit, body := b.NewLabel(), b.NewLabel()
	b.LoadAbs(OffsetNr)
	b.JumpIf(JEq, exitGroupNr, exit, body)
	b.Place(exit)
	b.RetK(retAllow)
	b.Place(body)
	b.LoadAbs(ArgLow(1))
	b.TAX()
	b.LoadAbs(ArgLow(0))
	return b
}

// returnBitsOfA returns ERRNO(bits X..X+11 of A).
func returnBitsOfA(b *Builder) {
	b.ALUX(ALURsh)
	b.ALU(ALUAnd, maxErrnoData)
	b.ALU(ALUOr, retErrno)
	b.RetA()
}

// exposeA ends a kernel test program: it returns ERRNO(bits s..s+11 of A)
// where s is args[2].lo, so three calls reveal all 32 bits of A.
func exposeA(b *Builder) {
	b.Store(0)
	b.LoadAbs(ArgLow(2))
	b.TAX()
	b.LoadMem(0)
	returnBitsOfA(b)
}

// TestALUAndJumpsAgreeWithKernel runs every ALU operation and jump
// condition, with K and X, on boundary values in the kernel, and compares
// each result (all 32 bits, 12 at a time) with the emulator's.
func TestALUAndJumpsAgreeWithKernel(t *testing.T) {
	requireSeccompFilter(t)
	var progs [][]Instruction
	var calls [][]kernelCall
	var want [][]uint32
	add := func(build func(b *Builder), useX bool, op ALUOp) {
		b := kernelTestBuilder()
		build(b)
		prog, err := b.Assemble()
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(prog); err != nil {
			t.Fatal(err)
		}
		var cs []kernelCall
		var ws []uint32
		var kill *kernelCall
		xs := []uint32{0}
		if useX {
			xs = boundary32
		}
		for _, a := range boundary32 {
			for _, x := range xs {
				for _, shift := range []uint64{0, 12, 20} {
					c := kernelCall{nr: 39, args: [6]uint64{0xdeadbeef00000000 | uint64(a), 0xfeedface00000000 | uint64(x), shift}}
					ret, err := Run(prog, SeccompData{Nr: c.nr, Arch: auditArchX8664, Args: c.args})
					if err != nil {
						t.Fatal(err)
					}
					if ret == 0 {
						kill = &c
						continue
					}
					cs, ws = append(cs, c), append(ws, ret)
				}
			}
		}
		if kill != nil {
			cs, ws = append(cs, *kill), append(ws, 0)
		}
		progs, calls, want = append(progs, prog), append(calls, cs), append(want, ws)
	}
	for _, ref := range aluRef {
		add(func(b *Builder) { b.ALUX(ref.op); exposeA(b) }, true, ref.op)
		for _, k := range boundary32 {
			if (ref.op == ALUDiv && k == 0) || ((ref.op == ALULsh || ref.op == ALURsh) && k >= 32) {
				continue
			}
			add(func(b *Builder) { b.ALU(ref.op, k); exposeA(b) }, false, ref.op)
		}
	}
	add(func(b *Builder) { b.Neg(); exposeA(b) }, false, 0)
	for _, ref := range condRef {
		cond := func(b *Builder, useX bool, k uint32) {
			yes, no := b.NewLabel(), b.NewLabel()
			if useX {
				b.JumpIfX(ref.c, yes, no)
			} else {
				b.JumpIf(ref.c, k, yes, no)
			}
			b.Place(yes)
			b.RetK(retErrno | 1)
			b.Place(no)
			b.RetK(retErrno | 2)
		}
		add(func(b *Builder) { cond(b, true, 0) }, true, 0)
		for _, k := range boundary32 {
			add(func(b *Builder) { cond(b, false, k) }, false, 0)
		}
	}
	res := runHelper(t, progs, calls)
	checked, bad := 0, 0
	for i, r := range res {
		if r.install != 0 {
			t.Fatalf("program %d refused: errno %d", i, r.install)
		}
		for j, w := range want[i] {
			c := calls[i][j]
			if w == 0 {
				if len(r.results) != j || r.signal != int32(syscall.SIGSYS) {
					t.Errorf("program %d: a %#x x %#x: emulator says kill-thread, child completed %d calls, signal %d", i, uint32(c.args[0]), uint32(c.args[1]), len(r.results), r.signal)
				}
				continue
			}
			if j >= len(r.results) {
				t.Fatalf("program %d: child stopped after %d of %d calls (signal %d)", i, len(r.results), len(want[i]), r.signal)
			}
			checked++
			if r.results[j] != -int64(w&0xfff) {
				bad++
				if bad <= 10 {
					t.Errorf("program %d: a %#x x %#x shift %d: kernel errno %d, emulator %d\n%s", i, uint32(c.args[0]), uint32(c.args[1]), c.args[2], -r.results[j], w&0xfff, rawListing(progs[i]))
				}
			}
		}
	}
	t.Logf("%d programs, %d results compared, %d disagreements", len(progs), checked, bad)
}

// ipProbe returns ERRNO(bits s..s+11 of the low (args[0] == 0) or high
// half of seccomp_data.instruction_pointer), s = args[1].lo.
func ipProbe(t *testing.T) []Instruction {
	b := kernelTestBuilder()
	lo, hi, expose := b.NewLabel(), b.NewLabel(), b.NewLabel()
	b.JumpIf(JEq, 0, lo, hi)
	b.Place(lo)
	b.LoadAbs(OffsetIPLo)
	b.Jump(expose)
	b.Place(hi)
	b.LoadAbs(OffsetIPHi)
	b.Place(expose)
	returnBitsOfA(b)
	prog, err := b.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	return prog
}

// TestEmulatorAgreesWithKernelIP is TestEmulatorAgreesWithKernel for
// programs that read seccomp_data.instruction_pointer. Every call of the
// helper's children goes through the same syscall instruction, so the
// pointer is one value per helper run: a probe filter, installed first in
// the same run, reads it out 12 bits at a time, and the emulator then runs
// with it. A kill-thread verdict may now come at any call; the child's
// death must then fall exactly on a call the emulator says kill-thread for.
func TestEmulatorAgreesWithKernelIP(t *testing.T) {
	requireSeccompFilter(t)
	nprogs, ncalls := 500, 32
	if os.Getenv("RINGFENCE_LONG") != "" {
		nprogs = 5000
	}
	g := newGen(8)
	g.skipNr = seccompBypass(t)
	g.ipBias = true
	progs := [][]Instruction{ipProbe(t)}
	var probeCalls []kernelCall
	for half := uint64(0); half < 2; half++ {
		for _, shift := range []uint64{0, 12, 20} {
			probeCalls = append(probeCalls, kernelCall{nr: 39, args: [6]uint64{half, shift}})
		}
	}
	calls := [][]kernelCall{probeCalls}
	readsIP := 0
	for range nprogs {
		p := append(append([]Instruction(nil), exitGroupPrefix...), g.safeProgram(30, true)...)
		for _, ins := range p {
			if ins.Op == OpLdAbsW && (ins.K == OffsetIPLo || ins.K == OffsetIPHi) {
				readsIP++
				break
			}
		}
		progs = append(progs, p)
		var cs []kernelCall
		for range ncalls {
			d := g.data(auditArchX8664)
			cs = append(cs, kernelCall{nr: d.Nr, args: d.Args})
		}
		calls = append(calls, cs)
	}
	res := runHelper(t, progs, calls)
	probe := res[0]
	if probe.install != 0 || len(probe.results) != 6 {
		t.Fatalf("ip probe: install errno %d, %d results, signal %d", probe.install, len(probe.results), probe.signal)
	}
	var halves [2]uint32
	for h := range 2 {
		r := probe.results[3*h:]
		halves[h] = uint32(-r[0]) | uint32(-r[1])<<12 | uint32(-r[2])<<20
	}
	ip := uint64(halves[1])<<32 | uint64(halves[0])
	t.Logf("instruction pointer of the helper's syscalls: %#x", ip)
	checked, kills, bad := 0, 0, 0
	for i := 1; i < len(progs); i++ {
		r := res[i]
		if r.install != 0 {
			t.Fatalf("program %d refused: errno %d", i, r.install)
		}
		for j, c := range calls[i] {
			d := SeccompData{Nr: c.nr, Arch: auditArchX8664, InstructionPointer: ip, Args: c.args}
			w, err := Run(progs[i], d)
			if err != nil {
				t.Fatal(err)
			}
			if j == len(r.results) {
				// the child died here, or ran all calls and exited
				if w != 0 || r.signal != int32(syscall.SIGSYS) {
					bad++
					t.Errorf("program %d call %d: child ended (signal %d) where the emulator says %#x", i, j, r.signal, w)
				}
				kills++
				break
			}
			checked++
			if w == 0 || r.results[j] != -int64(min(w&0xffff, maxErrnoData)) {
				bad++
				if bad <= 10 {
					t.Errorf("program %d call %d nr %d: kernel returned %d, emulator verdict %#x\n%s", i, j, c.nr, r.results[j], w, rawListing(progs[i]))
				}
			}
		}
	}
	t.Logf("%d programs (%d read the instruction pointer), %d syscalls compared, %d kill-thread verdicts confirmed, %d disagreements", nprogs, readsIP, checked, kills, bad)
}
