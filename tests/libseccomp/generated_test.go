package libseccomp

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

var archSets = [][]specs.Arch{
	{specs.ArchX86_64},
	{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
	{specs.ArchX86_64, specs.ArchX86},
	{specs.ArchAARCH64, specs.ArchARM},
	{specs.ArchX86},
}

var genActions = []specs.LinuxSeccompAction{
	specs.ActAllow, specs.ActErrno, specs.ActKillProcess, specs.ActKillThread, specs.ActTrap, specs.ActLog, specs.ActTrace,
}

var genOps = []specs.LinuxSeccompOperator{
	specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo, specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual,
}

// genValue draws an argument value; narrow keeps it to 32 bits.
// multiRuleOps are the operators of syscalls with several rules: libseccomp
// 2.5 miscompiles ordered comparisons there (TestLibseccompMiscompiles), and
// != disagreed once.
var multiRuleOps = []specs.LinuxSeccompOperator{specs.OpEqualTo, specs.OpMaskedEqual}

func genValue(rng *rand.Rand, narrow bool) uint64 {
	v := genWide(rng)
	if narrow {
		v = uint64(uint32(v))
	}
	return v
}

func genWide(rng *rand.Rand) uint64 {
	switch rng.IntN(6) {
	case 0:
		return uint64(rng.IntN(8))
	case 1:
		return 1 << rng.IntN(64)
	case 2:
		return uint64(rng.Uint32())
	case 3:
		return rng.Uint64()
	case 4:
		return 0xffffffff
	}
	return ^uint64(0) - uint64(rng.IntN(4))
}

// genProfile makes a random OCI profile: random admitted ABIs, default
// action and syscalls, each syscall with one action (a syscall never has
// two, where libseccomp and OCI leave the outcome to the order of
// insertion) and rules whose comparisons are ANDed within a rule and ORed
// across rules, as libseccomp means them.
func genProfile(rng *rand.Rand) *specs.LinuxSeccomp {
	prof := &specs.LinuxSeccomp{Architectures: archSets[rng.IntN(len(archSets))]}
	// libseccomp 2.5 miscompiles 64-bit values on 32-bit ABIs (see
	// TestLibseccomp32BitMerge): profiles with a 32-bit ABI use 32-bit values.
	narrow := false
	for _, a := range prof.Architectures {
		abi, _ := syscalls.ParseArch(string(a))
		narrow = narrow || !abi.Is64Bit()
	}
	errno := func() *uint {
		e := uint(1 + rng.IntN(133))
		return &e
	}
	prof.DefaultAction = genActions[rng.IntN(len(genActions))]
	if prof.DefaultAction == specs.ActErrno || prof.DefaultAction == specs.ActTrace {
		prof.DefaultErrnoRet = errno()
	}
	var names []string
	for _, a := range prof.Architectures {
		abi, _ := syscalls.ParseArch(string(a))
		names = append(names, syscalls.Names(abi)...)
	}
	used := map[string]bool{}
	for n := 5 + rng.IntN(25); n > 0; n-- {
		name := names[rng.IntN(len(names))]
		// libseccomp copies socket and IPC rules to i386's socketcall and
		// ipc; rules of their own there would give one syscall two actions.
		if used[name] || name == "socketcall" || name == "ipc" {
			continue
		}
		used[name] = true
		act := genActions[rng.IntN(len(genActions))]
		var ret *uint
		if act == specs.ActErrno || act == specs.ActTrace {
			ret = errno()
		}
		// Shapes libseccomp 2.5 compiles correctly (see TestLibseccompMerge):
		// one rule of up to three comparisons, or up to three rules that
		// each compare the same argument (Docker's personality, clone).
		rules, nargs, oneArg := 1, 1+rng.IntN(3), -1
		if rng.IntN(2) == 0 {
			rules, nargs, oneArg = 1+rng.IntN(3), 1, rng.IntN(6)
		}
		if rng.IntN(5) == 0 {
			nargs = 0
		}
		for r := rules; r > 0; r-- {
			s := specs.LinuxSyscall{Names: []string{name}, Action: act, ErrnoRet: ret}
			perm := rng.Perm(6)
			if oneArg >= 0 {
				perm[0] = oneArg
			}
			for i := 0; i < nargs; i++ {
				ops := genOps
				if rules > 1 {
					ops = multiRuleOps
				}
				a := specs.LinuxSeccompArg{Index: uint(perm[i]), Op: ops[rng.IntN(len(ops))], Value: genValue(rng, narrow)}
				if a.Op == specs.OpMaskedEqual {
					a.ValueTwo = genValue(rng, narrow) & a.Value
					if rng.IntN(4) == 0 {
						a.ValueTwo = genValue(rng, narrow) // bits outside the mask: never matches
					}
				}
				s.Args = append(s.Args, a)
			}
			prof.Syscalls = append(prof.Syscalls, s)
		}
	}
	return prof
}

func TestGeneratedProfiles(t *testing.T) {
	n := 40
	if os.Getenv("RINGFENCE_LONG") == "1" {
		n = 400
	}
	total := result{excluded: map[string]bool{}}
	miscompiled, minusOne := 0, 0
	for i := 0; i < n; i++ {
		rng := rand.New(rand.NewPCG(uint64(i), 99))
		prof := genProfile(rng)
		data, err := json.Marshal(prof)
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := oci.Import(data, oci.ImportOptions{Arch: nativeOf(prof), KernelVersion: "6.18", Filename: "generated-" + strconv.Itoa(i) + ".json"})
		if err != nil {
			t.Fatalf("profile %d: import: %v\n%s", i, err, data)
		}
		r := compare(t, p, prof, uint64(i))
		if r.miscompiled {
			miscompiled++
			continue
		}
		total.decisions += r.decisions
		if r.minusOne != "" {
			minusOne++
			total.minusOne = r.minusOne
		}
		for _, d := range r.disagreements {
			total.disagreements = append(total.disagreements, fmt.Sprintf("profile %d: %s", i, d))
		}
		if len(r.disagreements) > 0 && os.Getenv("RINGFENCE_DEBUG") != "" {
			t.Logf("profile %d:\n%s", i, data)
		}
		for k := range r.excluded {
			total.excluded[k] = true
		}
		total.skipped = append(total.skipped, r.skipped...)
	}
	report(t, fmt.Sprintf("%d generated profiles (%d left out: libseccomp's arch dispatch bug)", n, miscompiled), total)
	if minusOne > 0 {
		t.Logf("by design, in %d profiles: %s", minusOne, total.minusOne)
	}
}

// nativeOf is the native ABI Docker would resolve the profile for: its
// first architecture.
func nativeOf(prof *specs.LinuxSeccomp) syscalls.Arch {
	a, _ := syscalls.ParseArch(string(prof.Architectures[0]))
	return a
}

// TestDifferentialDetects shows the comparison can fail: a policy with one
// decision changed must disagree with libseccomp's filter of the original.
func TestDifferentialDetects(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	prof := genProfile(rng)
	prof.Architectures = []specs.Arch{specs.ArchX86_64}
	prof.Syscalls = append(prof.Syscalls, specs.LinuxSyscall{Names: []string{"getppid"}, Action: specs.ActKillProcess})
	data, _ := json.Marshal(prof)
	p, _, err := oci.Import(data, oci.ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.18"})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Rules {
		if p.Rules[i].Syscall == "getppid" {
			p.Rules[i].Action = seccomp.Errno(99)
		}
	}
	r := compare(t, p, prof, 5)
	if len(r.disagreements) == 0 {
		t.Fatalf("a changed getppid rule went unnoticed in %d decisions", r.decisions)
	}
	t.Logf("the changed rule was caught: %s", r.disagreements[0])
}
