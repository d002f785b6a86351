package sandbox_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/sandbox"
)

// TestMemfdNoexecAsRoot: a sandbox started by root has vm.memfd_noexec = 2
// in its pid namespace (no program runs from a memfd), and the host's value
// is untouched.
func TestMemfdNoexecAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("only global root may write vm.memfd_noexec; rootless sandboxes keep the memfd gap (SECURITY.md)")
	}
	host, err := os.ReadFile("/proc/sys/vm/memfd_noexec")
	if err != nil {
		t.Skipf("kernel lacks vm.memfd_noexec (Linux 6.3+): %v", err)
	}
	var out bytes.Buffer
	c := sandbox.Command("/bin/cat", "/proc/sys/vm/memfd_noexec")
	c.Config.SeccompOff = true
	c.Log = quietLog()
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.TrimSpace(out.String()) != "2" {
		t.Errorf("vm.memfd_noexec inside = %q, want 2", out.String())
	}
	if after, _ := os.ReadFile("/proc/sys/vm/memfd_noexec"); !bytes.Equal(after, host) {
		t.Errorf("the host's vm.memfd_noexec changed: %q -> %q", host, after)
	}
}
