package imports

import (
	"math/rand/v2"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// TestFirstMatchRandom checks the first-match-to-strictest-wins conversion
// against a direct first-match evaluator on random ordered rule lists.
func TestFirstMatchRandom(t *testing.T) {
	actions := []seccomp.Action{seccomp.Allow, seccomp.Log, seccomp.Errno(1), seccomp.Errno(13), seccomp.Trap, seccomp.KillThread, seccomp.KillProcess}
	names := []string{"read", "write", "openat"}
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := 0; iter < 300; iter++ {
		var list []ordered
		for n := rng.IntN(12); n > 0; n-- {
			r := ordered{syscall: names[rng.IntN(len(names))], action: actions[rng.IntN(len(actions))], pos: policy.Pos{File: "r", Line: n, Col: 1}}
			if rng.IntN(6) != 0 {
				r.when = seccomp.Cmp{Arg: uint8(rng.IntN(2)), Op: seccomp.Op(1 + rng.IntN(6)), Value: uint64(rng.IntN(4))}
			}
			list = append(list, r)
		}
		p := &seccomp.Policy{Default: seccomp.Errno(38), Arches: []syscalls.Arch{syscalls.Native}}
		p.Rules = firstMatch(list, func(policy.Pos, string, ...any) {})
		for k := 0; k < 200; k++ {
			name := names[rng.IntN(len(names))]
			args := [6]uint64{uint64(rng.IntN(5)), uint64(rng.IntN(5))}
			want := p.Default
			for _, r := range list {
				if r.syscall == name && (r.when == nil || r.when.Eval(&args)) {
					want = r.action
					break
				}
			}
			nr, _ := syscalls.Number(syscalls.Native, name)
			got := p.Decide(bpf.SeccompData{Nr: int32(nr), Arch: syscalls.Native.AuditArch(), Args: args}).Action
			if got != want {
				t.Fatalf("%s%v: strictest-wins gives %s, first match %s\nrules %+v", name, args[:2], got, want, list)
			}
		}
	}
}
