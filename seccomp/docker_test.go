package seccomp_test

import (
	"os"
	"testing"

	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

const dockerProfile = "../../shared/testdata/docker-default-seccomp.json"

func loadDocker(t testing.TB, multiArch bool) *seccomp.Policy {
	t.Helper()
	p, err := loadDockerErr(multiArch)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// loadDockerErr imports Docker's default profile for x86_64 with no
// capabilities; Docker admits i386 and x32 too, multiArch=false keeps the
// native ABI only.
func loadDockerErr(multiArch bool) (*seccomp.Policy, error) {
	data, err := os.ReadFile(dockerProfile)
	if err != nil {
		return nil, err
	}
	p, _, err := oci.Import(data, oci.ImportOptions{Arch: syscalls.ArchX86_64, Filename: dockerProfile})
	if err != nil {
		return nil, err
	}
	if !multiArch {
		p.Arches = []syscalls.Arch{syscalls.ArchX86_64}
	}
	return p, nil
}

// BenchmarkCompileDocker compiles Docker's default profile (x86_64 only, and
// with Docker's i386 and x32 companions).
func BenchmarkCompileDocker(b *testing.B) {
	for _, c := range []struct {
		name  string
		multi bool
	}{{"x86_64", false}, {"x86_64+i386+x32", true}} {
		b.Run(c.name, func(b *testing.B) {
			p := loadDocker(b, c.multi)
			for b.Loop() {
				if _, err := seccomp.Compile(p, seccomp.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
