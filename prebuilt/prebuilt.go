// Package prebuilt holds the seccomp filters of ringfence's built-in
// policies (policy.BuiltinNames) compiled when ringfence is built: for each
// ABI ringfence builds for, in each form `ringfence run` installs (the
// policy itself, audit.Reporting and audit.Logging). Parsing, resolving and
// compiling the default policy costs milliseconds at every start of a
// sandbox; with these bytes a run that nothing denies never reads the policy
// text, and the supervisor parses it at the first denial it must explain.
//
// The filters are the files in filters/, raw struct sock_filter arrays as
// `ringfence compile -o` writes them (`ringfence disasm` reads them). `go
// generate ./prebuilt` rewrites them (gen/); TestFiltersUpToDate fails when
// a committed file differs from what the compiler makes of the policy now,
// so a change to a built-in policy or to the compiler that forgets to
// regenerate does not pass the tests.
package prebuilt

import (
	"embed"
	"fmt"
	"io/fs"

	"github.com/ringfence/ringfence/audit"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

//go:generate go run ./gen

// Dir is where the filters are, in this package's directory.
const Dir = "filters"

//go:embed filters
var files embed.FS

// Form is which policy the kernel enforces for a policy p.
type Form uint8

const (
	// Plain is p itself: denials are enforced, not reported.
	Plain Form = iota
	// Reporting is audit.Reporting(p): denials go to the supervisor.
	Reporting
	// Logging is audit.Logging(p): complain mode where the kernel has no
	// user notification.
	Logging
)

var forms = []Form{Plain, Reporting, Logging}

func (f Form) String() string {
	switch f {
	case Plain:
		return "plain"
	case Reporting:
		return "reporting"
	case Logging:
		return "logging"
	}
	return fmt.Sprintf("Form(%d)", uint8(f))
}

// Of returns the policy the kernel enforces for p in form f.
func (f Form) Of(p *seccomp.Policy) *seccomp.Policy {
	switch f {
	case Reporting:
		return audit.Reporting(p)
	case Logging:
		return audit.Logging(p)
	}
	return p
}

// abis are the native ABIs of the builds of ringfence (syscalls/native_*.go).
var abis = []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchAArch64, syscalls.ArchRISCV64}

// Filter returns the precompiled filter of built-in policy name in form f
// for this build's ABI: the bytes seccomp.Compile(f.Of(p)) gives for
// p = policy.Builtin(name). ok is false for a name that is not built in.
func Filter(name string, f Form) (filter []byte, ok bool) {
	b, err := fs.ReadFile(files, fileName(name, syscalls.Native, f))
	return b, err == nil
}

func fileName(name string, abi syscalls.Arch, f Form) string {
	return fmt.Sprintf("%s/%s-%s-%s.bpf", Dir, name, abi, f)
}

// CompileAll compiles every filter the package holds, keyed by its path
// below this package's directory: what gen writes and the tests compare.
func CompileAll() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, name := range policy.BuiltinNames() {
		for _, abi := range abis {
			p, err := policy.BuiltinFor(name, abi)
			if err != nil {
				return nil, err
			}
			for _, f := range forms {
				prog, err := seccomp.Compile(f.Of(p), seccomp.Options{})
				if err != nil {
					return nil, fmt.Errorf("%s (%s, %s): %w", name, abi, f, err)
				}
				out[fileName(name, abi, f)] = prog.Bytes()
			}
		}
	}
	return out, nil
}
