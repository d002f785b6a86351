package seccomp_test

import (
	"testing"

	"github.com/ringfence/ringfence/bench/seccomp/dockerprofile"
	"github.com/ringfence/ringfence/seccomp"
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

func loadDockerErr(multiArch bool) (*seccomp.Policy, error) {
	return dockerprofile.Load(dockerProfile, multiArch)
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
