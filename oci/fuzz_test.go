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
