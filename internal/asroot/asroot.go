// Package asroot is for tests that need root. ringfence's tests run as
// root (./scripts/test, CI), and each package's rootless paths are run by
// a test that re-executes a subset as uid 65534 (TestRootless). A test
// that needs root therefore fails when it is not root, with a message
// that says how to run it: a skip would hide the test.
package asroot

import (
	"os"
	"testing"
)

// Require fails t unless the test runs as root; why says what needs it.
func Require(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatalf("needs root (%s): run the tests as root, as ./scripts/test and CI do; the rootless paths are the TestRootless runs, which switch to uid 65534 themselves", why)
	}
}
