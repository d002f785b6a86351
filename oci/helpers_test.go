package oci

import (
	"math/rand/v2"
	"os"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

const dockerProfile = "../../shared/testdata/docker-default-seccomp.json"

func readDocker(t testing.TB) []byte {
	t.Helper()
	data, err := os.ReadFile(dockerProfile)
	if err != nil {
		t.Fatalf("Docker's default profile (shared test data): %v", err)
	}
	return data
}

func mustImport(t testing.TB, data []byte, opts ImportOptions) *seccomp.Policy {
	t.Helper()
	p, _, err := Import(data, opts)
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	return p
}

// call builds seccomp_data for a named syscall on ABI a.
func call(t testing.TB, a syscalls.Arch, name string, args ...uint64) bpf.SeccompData {
	t.Helper()
	nr, ok := syscalls.Number(a, name)
	if !ok {
		t.Fatalf("%s is not a syscall on %v", name, a)
	}
	d := bpf.SeccompData{Nr: int32(nr), Arch: a.AuditArch()}
	copy(d.Args[:], args)
	return d
}

// valuePool is the argument values worth trying: those a profile names,
// their neighbours, their low and high halves, and the edges.
func valuePool(vals []uint64) []uint64 {
	pool := []uint64{0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 1 << 32, 1<<63 - 1, 1 << 63, ^uint64(0)}
	for _, v := range vals {
		pool = append(pool, v, v+1, v-1, v&0xffffffff, v>>32, v|0xdead_0000_0000_0000, ^v)
	}
	return pool
}

// randomData draws seccomp_data on an admitted ABI: a number of its table
// or a number around it, arguments from the pool or random, with random or
// zero high halves.
func randomData(rng *rand.Rand, admitted []syscalls.Arch, pool []uint64) bpf.SeccompData {
	a := admitted[rng.IntN(len(admitted))]
	var d bpf.SeccompData
	d.Arch = a.AuditArch()
	tab := syscalls.Table(a)
	switch rng.IntN(8) {
	case 0:
		d.Nr = int32(rng.IntN(syscalls.MaxNumber(a)&0xffff + 64))
		if a == syscalls.ArchX32 {
			d.Nr |= syscalls.X32SyscallBit
		}
	default:
		d.Nr = int32(tab[rng.IntN(len(tab))].Nr)
	}
	for i := range d.Args {
		switch rng.IntN(4) {
		case 0:
			d.Args[i] = rng.Uint64()
		case 1:
			d.Args[i] = pool[rng.IntN(len(pool))] | rng.Uint64()<<32
		default:
			d.Args[i] = pool[rng.IntN(len(pool))]
		}
	}
	return d
}

// disagreements counts the seccomp_data on which two policies decide
// differently, reporting the first few.
func disagreements(t *testing.T, want, got *seccomp.Policy, n int, pool []uint64, seed uint64) int {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	admitted := want.AdmittedArches()
	bad := 0
	for range n {
		d := randomData(rng, admitted, pool)
		w, g := want.Decide(d), got.Decide(d)
		if w.Action != g.Action {
			if bad < 5 {
				t.Errorf("%v nr %d (%s) args %#x: want %v (%s), got %v (%s)", w.ABI, d.Nr, w.Name, d.Args, w.Action, ruleSource(w.Rule), g.Action, ruleSource(g.Rule))
			}
			bad++
		}
	}
	return bad
}

func ruleSource(r *seccomp.Rule) string {
	if r == nil {
		return "default"
	}
	return r.Source + " " + r.Syscall + " " + exprString(r.When)
}

func exprString(e seccomp.Expr) string {
	if e == nil {
		return "always"
	}
	return e.String()
}
