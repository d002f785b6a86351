// Package libseccomp is a differential test of ringfence's seccomp compiler
// against libseccomp, the library runc, crun, Docker and systemd build their
// filters with. For Docker's default profile (../shared/testdata, imported
// with oci.Import) and for generated profiles, the same rules are given to
// both: ringfence compiles the IR with seccomp.Compile; libseccomp gets the
// OCI rules through a small C helper (testdata/rules2bpf.c, built with gcc
// -lseccomp) that adds them with seccomp_rule_add_array, as runc does, and
// exports the filter with seccomp_export_bpf. Both programs run in package
// bpf's emulator for every syscall number of every admitted ABI (0 to
// MaxNumber+16, x32 numbers with the x32 bit) and for the argument values
// the rules name (each value, value±1, 0 and all-ones, in both 32-bit
// halves); the actions must be identical.
//
// For a profile that admits x86_64 but not x32, the x32 numbers on x86_64's
// audit arch are compared too (both give the bad-arch action). Number -1,
// which a tracer leaves when it skips a call, differs by design: libseccomp
// lets it through to the x86_64 checks (so it gets the default action),
// ringfence reads its bit 30 as x32 and gives the bad-arch action; the test
// logs that instead of counting it.
//
// Where the two syscall tables disagree (libseccomp 2.5 predates the newest
// calls, and names some numbers differently) the comparison is restricted
// to numbers both tables give the same name, or both leave unnamed; the
// test logs how many numbers that excludes.
//
// The package holds only tests; it needs gcc and libseccomp-dev (Debian),
// listed in .ci/apt-packages.
package libseccomp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

const dockerProfile = "../../../shared/testdata/docker-default-seccomp.json"

var (
	helperOnce sync.Once
	helperPath string
	helperErr  error
)

// helper builds testdata/rules2bpf.c once per test binary.
func helper(t *testing.T) string {
	helperOnce.Do(func() {
		if _, err := exec.LookPath("gcc"); err != nil {
			helperErr = fmt.Errorf("gcc not found: apt-get install gcc libseccomp-dev")
			return
		}
		dir, err := os.MkdirTemp("", "ringfence-libseccomp")
		if err != nil {
			helperErr = err
			return
		}
		helperPath = filepath.Join(dir, "rules2bpf")
		out, err := exec.Command("gcc", "-Wall", "-O1", "-o", helperPath, "testdata/rules2bpf.c", "-lseccomp").CombinedOutput()
		if err != nil {
			helperErr = fmt.Errorf("building the libseccomp helper: %v\n%s(apt-get install libseccomp-dev)", err, out)
		}
	})
	if helperErr != nil {
		t.Fatal(helperErr)
	}
	return helperPath
}

var ociOps = map[specs.LinuxSeccompOperator]int{
	specs.OpNotEqual: 1, specs.OpLessThan: 2, specs.OpLessEqual: 3, specs.OpEqualTo: 4,
	specs.OpGreaterEqual: 5, specs.OpGreaterThan: 6, specs.OpMaskedEqual: 7,
}

var ociActions = map[specs.LinuxSeccompAction]uint32{
	specs.ActKill: seccomp.RetKillThread, specs.ActKillThread: seccomp.RetKillThread,
	specs.ActKillProcess: seccomp.RetKillProcess, specs.ActTrap: seccomp.RetTrap,
	specs.ActErrno: seccomp.RetErrno, specs.ActTrace: seccomp.RetTrace, specs.ActAllow: seccomp.RetAllow,
	specs.ActLog: seccomp.RetLog, specs.ActNotify: seccomp.RetUserNotif,
}

// ociRet is the SECCOMP_RET value of an OCI action, with errnoRet as runc
// applies it (EPERM when absent).
func ociRet(t *testing.T, a specs.LinuxSeccompAction, errnoRet *uint) uint32 {
	r, ok := ociActions[a]
	if !ok {
		t.Fatalf("unknown OCI action %s", a)
	}
	if r == seccomp.RetErrno || r == seccomp.RetTrace {
		e := uint32(1)
		if errnoRet != nil {
			e = uint32(*errnoRet)
		}
		r |= e
	}
	return r
}

// rulesText writes an OCI profile in the helper's line format. As runc
// does, a rule whose args name one index twice becomes one libseccomp rule
// per arg (libseccomp rejects two comparisons of one argument in a rule).
func rulesText(t *testing.T, prof *specs.LinuxSeccomp, badArch seccomp.Action) string {
	var b strings.Builder
	for _, a := range prof.Architectures {
		abi, err := syscalls.ParseArch(string(a))
		if err != nil {
			t.Fatalf("profile arch: %v", err)
		}
		fmt.Fprintf(&b, "arch %s\n", abi)
	}
	if len(prof.Architectures) == 0 {
		fmt.Fprintf(&b, "arch %s\n", syscalls.Native)
	}
	fmt.Fprintf(&b, "default %x\nbadarch %x\n", ociRet(t, prof.DefaultAction, prof.DefaultErrnoRet), badArch.Ret())
	for _, s := range prof.Syscalls {
		ret := ociRet(t, s.Action, s.ErrnoRet)
		seen := map[uint]bool{}
		repeated := false
		for _, a := range s.Args {
			repeated = repeated || seen[a.Index]
			seen[a.Index] = true
		}
		groups := [][]specs.LinuxSeccompArg{s.Args}
		if repeated {
			groups = nil
			for _, a := range s.Args {
				groups = append(groups, []specs.LinuxSeccompArg{a})
			}
		}
		for _, name := range s.Names {
			for _, g := range groups {
				fmt.Fprintf(&b, "rule %x %s %d", ret, name, len(g))
				for _, a := range g {
					fmt.Fprintf(&b, " %d %d %x %x", a.Index, ociOps[a.Op], a.Value, a.ValueTwo)
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// libseccompProgram builds the filter with libseccomp; skipped lists the
// syscall names libseccomp does not know.
func libseccompProgram(t *testing.T, rules string) (prog []bpf.Instruction, skipped []string) {
	cmd := exec.Command(helper(t))
	cmd.Stdin = strings.NewReader(rules)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("libseccomp helper: %v\n%s", err, errb.String())
	}
	for _, line := range strings.Split(errb.String(), "\n") {
		if name, ok := strings.CutPrefix(line, "skip "); ok {
			skipped = append(skipped, name)
		}
	}
	prog, err := bpf.Unmarshal(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return prog, skipped
}

var (
	libNamesMu sync.Mutex
	libNames   = map[syscalls.Arch]map[int]string{}
)

// libseccompNames is libseccomp's table for an ABI, numbers 0..max.
func libseccompNames(t *testing.T, a syscalls.Arch, max int) map[int]string {
	libNamesMu.Lock()
	defer libNamesMu.Unlock()
	if m, ok := libNames[a]; ok {
		return m
	}
	out, err := exec.Command(helper(t), "names", a.String(), strconv.Itoa(max)).Output()
	if err != nil {
		t.Fatal(err)
	}
	m := map[int]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		nr, name, _ := strings.Cut(sc.Text(), " ")
		n, err := strconv.Atoi(nr)
		if err != nil {
			t.Fatal(err)
		}
		m[n] = name
	}
	libNames[a] = m
	return m
}

// argValues collects the constants p's conditions name, per syscall.
func argValues(p *seccomp.Policy) map[string][]uint64 {
	sets := map[string]map[uint64]bool{}
	walk := func(set map[uint64]bool, e seccomp.Expr) {
		seccomp.EachCmp(e, func(x seccomp.Cmp) {
			for _, v := range []uint64{x.Value, x.Mask, x.Value | ^x.Mask} {
				for _, w := range []uint64{v, v + 1, v - 1, uint64(uint32(v)), v | 0xffffffff00000000, v &^ 0xffffffff, v ^ 1<<32} {
					set[w] = true
				}
			}
		})
	}
	for _, r := range p.Rules {
		if r.When == nil {
			continue
		}
		if sets[r.Syscall] == nil {
			sets[r.Syscall] = map[uint64]bool{0: true, ^uint64(0): true, 0xffffffff: true, 1 << 32: true}
		}
		walk(sets[r.Syscall], r.When)
	}
	out := map[string][]uint64{}
	for name, set := range sets {
		for v := range set {
			out[name] = append(out[name], v)
		}
		sort.Slice(out[name], func(i, j int) bool { return out[name][i] < out[name][j] })
	}
	return out
}

// archBlocksLoadNr reports whether every arch block of a libseccomp
// program begins by loading something (the syscall number) rather than
// comparing the arch value still in the accumulator: the libseccomp bug
// TestLibseccompMiscompiles records.
func archBlocksLoadNr(prog []bpf.Instruction) bool {
	const jeqK = bpf.ClassJMP | bpf.JmpJEQ | bpf.SrcK
	for pc := 1; pc < len(prog) && prog[pc].Op == jeqK; {
		in := prog[pc]
		if t := pc + 1 + int(in.Jt); t < len(prog) && prog[t].Op&0x07 == bpf.ClassJMP && prog[t].Op != bpf.OpJa {
			return false // a comparison of the arch value as if it were the number
		}
		pc += 1 + int(in.Jf)
	}
	return true
}

// result counts one comparison.
type result struct {
	miscompiled   bool   // libseccomp's program has the arch-dispatch bug
	minusOne      string // the by-design difference on nr -1, when seen
	decisions     int
	disagreements []string
	excluded      map[string]bool // arch/name pairs the tables disagree on
	skipped       []string
}

// compare runs both programs on every call of every admitted ABI.
func compare(t *testing.T, p *seccomp.Policy, prof *specs.LinuxSeccomp, seed uint64) result {
	ours, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		t.Fatalf("ringfence compile: %v", err)
	}
	theirs, skipped := libseccompProgram(t, rulesText(t, prof, p.BadArchAction()))
	res := result{excluded: map[string]bool{}, skipped: skipped}
	if !archBlocksLoadNr(theirs) {
		res.miscompiled = true
		return res
	}
	vals := argValues(p)
	rng := rand.New(rand.NewPCG(seed, 7))
	decide := func(d bpf.SeccompData, what string) {
		a, err := bpf.Run(ours.Instructions, d)
		if err != nil {
			t.Fatalf("ringfence program: %v", err)
		}
		b, err := bpf.Run(theirs, d)
		if err != nil {
			t.Fatalf("libseccomp program: %v", err)
		}
		res.decisions++
		if x, y := seccomp.ActionFromRet(a), seccomp.ActionFromRet(b); x != y {
			res.disagreements = append(res.disagreements, fmt.Sprintf("%s nr=%d args=%#x: ringfence %s, libseccomp %s", what, d.Nr, d.Args, x, y))
		}
	}
	abis := p.AdmittedArches()
	for _, abi := range abis {
		base := 0
		if abi == syscalls.ArchX32 {
			base = syscalls.X32SyscallBit
		}
		max := syscalls.MaxNumber(abi) - base + 16
		lib := libseccompNames(t, abi, max)
		for n := 0; n <= max; n++ {
			nr := base | n
			ourName, _ := syscalls.Name(abi, nr)
			if libName := lib[nr]; ourName != libName {
				res.excluded[abi.String()+"/"+ourName+"|"+libName] = true
				continue
			}
			what := abi.String() + " " + ourName
			d := bpf.SeccompData{Nr: int32(nr), Arch: abi.AuditArch()}
			decide(d, what)
			vs := vals[ourName]
			if len(vs) == 0 {
				continue
			}
			for i := 0; i < 6; i++ {
				for _, v := range vs {
					d.Args = [6]uint64{}
					d.Args[i] = v
					decide(d, what)
				}
			}
			for k := 0; k < 200; k++ {
				for i := range d.Args {
					d.Args[i] = vs[rng.IntN(len(vs))]
				}
				decide(d, what)
			}
		}
	}
	// x32 numbers (and -1, which a tracer leaves when it skips a call) on
	// x86_64's audit arch when x32 is not admitted.
	x86, x32 := false, false
	for _, a := range abis {
		x86 = x86 || a == syscalls.ArchX86_64
		x32 = x32 || a == syscalls.ArchX32
	}
	if x86 && !x32 {
		for n := 0; n <= syscalls.MaxNumber(syscalls.ArchX32)-syscalls.X32SyscallBit+16; n++ {
			decide(bpf.SeccompData{Nr: int32(n | syscalls.X32SyscallBit), Arch: syscalls.AuditArchX86_64}, "x86_64 (x32 number)")
		}
		// By design the two differ here: libseccomp lets -1 through to the
		// x86_64 checks (the default action), ringfence reads bit 30 as x32
		// and gives the bad-arch action. Recorded, not counted as a bug.
		d := bpf.SeccompData{Nr: -1, Arch: syscalls.AuditArchX86_64}
		a, _ := bpf.Run(ours.Instructions, d)
		b, _ := bpf.Run(theirs, d)
		if seccomp.ActionFromRet(a) != seccomp.ActionFromRet(b) {
			res.minusOne = fmt.Sprintf("x86_64 nr -1: ringfence %s (bad-arch), libseccomp %s (default)", seccomp.ActionFromRet(a), seccomp.ActionFromRet(b))
		}
	}
	// An ABI outside the profile: both must give the bad-arch action.
	for _, abi := range syscalls.Arches {
		admitted := false
		for _, a := range abis {
			admitted = admitted || a.AuditArch() == abi.AuditArch()
		}
		if !admitted {
			decide(bpf.SeccompData{Nr: 1, Arch: abi.AuditArch()}, abi.String()+" (not admitted)")
		}
	}
	return res
}

func report(t *testing.T, name string, r result) {
	t.Helper()
	var ex []string
	for k := range r.excluded {
		ex = append(ex, k)
	}
	sort.Strings(ex)
	t.Logf("%s: %d decisions compared, %d disagreements; %d numbers excluded where the tables name them differently (ours|libseccomp's): %s; %d rule names libseccomp does not know: %v",
		name, r.decisions, len(r.disagreements), len(ex), strings.Join(ex, " "), len(r.skipped), r.skipped)
	for i, d := range r.disagreements {
		if i == 20 {
			t.Errorf("... and %d more", len(r.disagreements)-20)
			break
		}
		t.Errorf("%s: %s", name, d)
	}
}

func TestDockerDefault(t *testing.T) {
	data, err := os.ReadFile(dockerProfile)
	if err != nil {
		t.Fatalf("Docker's default profile: %v (it lives in /work/shared/testdata)", err)
	}
	p, _, err := oci.Import(data, oci.ImportOptions{Arch: syscalls.Native, KernelVersion: "6.18", Filename: "docker-default-seccomp.json"})
	if err != nil {
		t.Fatal(err)
	}
	prof, _, err := oci.Convert(p, oci.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	report(t, "docker default", compare(t, p, prof, 1))
}

func parseOCI(s string) (*specs.LinuxSeccomp, error) {
	var prof specs.LinuxSeccomp
	err := json.Unmarshal([]byte(s), &prof)
	return &prof, err
}
