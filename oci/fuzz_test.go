package oci

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/ringfence/ringfence/syscalls"
)

// FuzzImport: no input panics; every rejection is positioned; whatever is
// accepted exports cleanly or with an error, and an export re-imports with
// the same decisions.
func FuzzImport(f *testing.F) {
	if data, err := os.ReadFile(dockerProfile); err == nil {
		f.Add(data)
	}
	bad, _ := filepath.Glob("testdata/bad/*.json")
	for _, b := range bad {
		if data, err := os.ReadFile(b); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"defaultAction": "SCMP_ACT_KILL", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X32"], "syscalls": [
		{"names": ["kill", "tgkill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "args": [{"index": 1, "value": 9, "op": "SCMP_CMP_NE"}, {"index": 0, "value": 4294967295, "op": "SCMP_CMP_LE"}]},
		{"names": ["mmap"], "action": "SCMP_ACT_TRAP", "args": [{"index": 2, "value": 4, "valueTwo": 4, "op": "SCMP_CMP_MASKED_EQ"}, {"index": 2, "value": 1, "op": "SCMP_CMP_GT"}]},
		{"name": "read", "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "5.0", "caps": ["CAP_SYS_ADMIN"]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, _, err := Import(data, ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1"})
		if err != nil {
			checkPositioned(t, err)
			return
		}
		out, _, err := Export(p, ExportOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty export error")
			}
			return
		}
		q, _, err := Import(out, ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1"})
		if err != nil {
			t.Fatalf("re-importing the export: %v\n%s", err, out)
		}
		rng := rand.New(rand.NewPCG(uint64(len(data)), 1))
		pool := valuePool(nil)
		for range 200 {
			d := randomData(rng, p.AdmittedArches(), pool)
			if a, b := p.Decide(d).Action, q.Decide(d).Action; a != b {
				t.Fatalf("%+v: %v before, %v after Export -> Import\n%s", d, a, b, out)
			}
		}
	})
}

// FuzzExport: random policies (drawn from the fuzzer's seeds) export
// cleanly or fail with a message; what exports re-imports with the same
// decisions on every admitted ABI.
func FuzzExport(f *testing.F) {
	f.Add(uint64(1), uint64(2), uint8(0))
	f.Add(uint64(42), uint64(7), uint8(3))
	vals := []uint64{0, 1, 2, 5, 0x7f, 0x80000000, 0xffffffff, 1 << 32, 0x1_0000_0005, 1 << 63, ^uint64(0), ^uint64(4)}
	pool := valuePool(vals)
	f.Fuzz(func(t *testing.T, s1, s2 uint64, shape uint8) {
		g := &gen{rng: rand.New(rand.NewPCG(s1, s2)), vals: vals}
		native := []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchAArch64, syscalls.ArchRISCV64}[shape%3]
		p := g.policy(native, shape&4 != 0)
		out, _, err := Export(p, ExportOptions{})
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty export error")
			}
			return
		}
		q, _, err := Import(out, ImportOptions{Arch: native})
		if err != nil {
			t.Fatalf("re-importing the export: %v\n%s", err, out)
		}
		if bad := disagreements(t, p, q, 500, pool, s1); bad != 0 {
			t.Fatalf("%d disagreements\n%s\n%s", bad, rulesString(p), out)
		}
	})
}
