package sandbox_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/sandbox"
)

// TestSandboxMemfdNoexec: a sandbox started by root has vm.memfd_noexec = 2
// in its pid namespace (no program runs from a memfd), and the host's value
// is untouched. Rootless (TestRootless runs it as nobody) the kernel lets
// no one set it: the sandbox keeps the host's value, the gap SECURITY.md
// names, and Probe says so.
func TestSandboxMemfdNoexec(t *testing.T) {
	host, err := os.ReadFile("/proc/sys/vm/memfd_noexec")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skipf("kernel lacks vm.memfd_noexec (Linux 6.3+): %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	want := "2"
	if os.Geteuid() != 0 {
		want = strings.TrimSpace(string(host))
		for _, l := range sandbox.Probe(&sandbox.Config{SeccompOff: true}).Layers {
			if l.Name == "memfd-exec" && l.Enforced != "not enforced" {
				t.Errorf("rootless Probe says memfd-exec is %q, want not enforced", l.Enforced)
			}
		}
	}
	var out bytes.Buffer
	c := sandbox.Command("/bin/cat", "/proc/sys/vm/memfd_noexec")
	c.Config.SeccompOff = true
	c.Log = quietLog()
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if strings.TrimSpace(out.String()) != want {
		t.Errorf("vm.memfd_noexec inside = %q, want %s", out.String(), want)
	}
	if after, _ := os.ReadFile("/proc/sys/vm/memfd_noexec"); !bytes.Equal(after, host) {
		t.Errorf("the host's vm.memfd_noexec changed: %q -> %q", host, after)
	}
}
