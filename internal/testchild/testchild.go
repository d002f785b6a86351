// Package testchild runs the half of a test that installs a seccomp filter
// in a child process: the test binary re-executed with an environment
// variable naming the child function. Filters are irrevocable, so every
// test that installs one does it in a child of its own.
package testchild

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// env names the child function in a re-executed test binary.
const env = "RINGFENCE_TEST_CHILD"

// Main is a package's TestMain: in a child it runs the function named in
// the environment and exits (1, with the error on stderr, if it fails);
// otherwise it runs the tests.
func Main(m *testing.M, children map[string]func() error) {
	name := os.Getenv(env)
	if name == "" {
		os.Exit(m.Run())
	}
	f, ok := children[name]
	if !ok {
		fmt.Fprintln(os.Stderr, "unknown child", name)
		os.Exit(3)
	}
	if err := f(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// Run runs the child function name in a new process and returns what it
// printed; a child that fails fails t.
func Run(t *testing.T, name string) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", name, err, out)
	}
	return string(out)
}
