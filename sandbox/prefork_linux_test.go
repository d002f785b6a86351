//go:build cgo

package sandbox_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ringfence/ringfence/sandbox"
	"golang.org/x/sys/unix"
)

// preforkChildEnv marks a test process whose first sandbox must take the
// preforked init (checked by TestMain after the tests ran).
const preforkChildEnv = "RINGFENCE_TEST_PREFORK_CHILD"

// checkPreforkTaken is TestMain's check in such a process: the variable
// says whether a sandbox must have taken the preforked init ("taken") or
// must not have ("discarded": a speculating init whose guess was wrong).
func checkPreforkTaken(code int) int {
	want := os.Getenv(preforkChildEnv)
	if want == "" {
		return code
	}
	got := "discarded"
	if sandbox.PreforkTaken() {
		got = "taken"
	}
	if got != want {
		fmt.Printf("FAIL: the preforked init was %s, want %s\n", got, want)
		return 1
	}
	fmt.Println("prefork: " + got)
	return code
}

// TestSandboxPrefork runs sandbox tests again, each in a process started
// with RINGFENCE_PREFORK=1, so that its first sandbox runs in the init
// forked before the Go runtime started (prefork_linux.c), and checks that
// it did. (As part of TestRootless, rootless too.)
func TestSandboxPrefork(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []string{
		"TestSandboxFacts", "TestSandboxExitStatus", "TestSandboxFDsClosed", "TestSandboxZombiesReaped",
		"TestSandboxNotDumpable", "TestSandboxSignalForwarded", "TestSandboxTimeout",
		"TestSandboxTTY", "TestSandboxMemfdNoexec", "TestSandboxUID",
		"TestSandboxRootFS", "TestSandboxRlimitsAndKeepFD", "TestSandboxNotifyListener", "TestSandboxMlock",
		"TestSandboxStartAfterRefusals", "TestSandboxParallel",
	}
	if os.Geteuid() == 0 {
		// Rootless, cgroup limits are refused before any init starts.
		tests = append(tests, "TestSandboxMemoryLimit")
	}
	for _, name := range tests {
		t.Run(name, func(t *testing.T) { runPreforked(t, exe, name, "1", "taken") })
	}
	// Speculating: the init takes the default ids and namespaces before its
	// plan comes; a plan that asks for others (TestSandboxUID's first
	// sandbox runs as uid 1000 inside) gets an init forked from Go.
	for _, tc := range []struct{ name, want string }{
		{"TestSandboxFacts", "taken"}, {"TestSandboxExitStatus", "taken"}, {"TestSandboxFDsClosed", "taken"},
		{"TestSandboxNotDumpable", "taken"}, {"TestSandboxMemfdNoexec", "taken"}, {"TestSandboxSignalForwarded", "taken"},
		{"TestSandboxUID", "discarded"},
	} {
		t.Run("speculating/"+tc.name, func(t *testing.T) { runPreforked(t, exe, tc.name, "3", tc.want) })
	}
	// The supervisor pinned to its CPU (4), with a preforked init (5) and
	// with one forked from the pinned supervisor (4): CMD gets every CPU.
	var cpus unix.CPUSet
	if err := unix.SchedGetaffinity(0, &cpus); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ mode, want string }{{"5", "taken"}, {"4", "discarded"}} {
		t.Run("pinned/"+tc.mode, func(t *testing.T) {
			t.Setenv("RINGFENCE_TEST_CPUS", strconv.Itoa(cpus.Count()))
			runPreforked(t, exe, "TestSandboxCPUs", tc.mode, tc.want)
		})
	}
	t.Run("TestSandboxDiesWithParent", func(t *testing.T) {
		// The sandbox is started by a child supervisor (which checks that
		// it took the preforked init), not by the test process.
		c := exec.Command(exe, "-test.run=^TestSandboxDiesWithParent$", "-test.count=1")
		c.Env = append(os.Environ(), "RINGFENCE_PREFORK=1")
		if out, err := c.CombinedOutput(); err != nil {
			t.Fatalf("with a preforked init: %v\n%s", err, out)
		}
	})
	t.Run("init holds no copy of the supervisor", func(t *testing.T) {
		// A forked init is a copy-on-write image of the supervisor, a
		// secret on its Go heap included; a preforked one never saw it.
		for _, tc := range []struct {
			prefork    string
			wantSecret bool
		}{{"0", true}, {"1", false}} {
			found, err := initHoldsSecret(t, exe, tc.prefork)
			if os.Geteuid() != 0 {
				// Rootless, the init's memory is closed to its own user
				// (it is not dumpable): nothing to compare.
				if err == nil {
					t.Fatalf("RINGFENCE_PREFORK=%s: the init's memory is readable without root", tc.prefork)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.wantSecret {
				t.Errorf("RINGFENCE_PREFORK=%s: the supervisor's heap secret in the init's memory: %v, want %v", tc.prefork, found, tc.wantSecret)
			}
		}
	})
}

// runPreforked runs test name in a process started with
// RINGFENCE_PREFORK=mode, which must pass, its preforked init taken or
// discarded as want says.
func runPreforked(t *testing.T, exe, name, mode, want string) {
	c := exec.Command(exe, "-test.run=^"+name+"$", "-test.count=1")
	c.Env = append(os.Environ(), "RINGFENCE_PREFORK="+mode, preforkChildEnv+"="+want)
	out, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "prefork: "+want) {
		t.Fatalf("%s, RINGFENCE_PREFORK=%s (want the init %s): %v\n%s", name, mode, want, err, out)
	}
}

// initHoldsSecret starts a supervisor process (RINGFENCE_PREFORK=prefork)
// with a sleeping sandbox and searches its init's memory for the secret
// the supervisor made on its heap.
func initHoldsSecret(t *testing.T, exe, prefork string) (bool, error) {
	sup := exec.Command(exe)
	sup.Env = append(os.Environ(), superviseEnv+"=1", "RINGFENCE_PREFORK="+prefork)
	stdout, _ := sup.StdoutPipe()
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sup.Process.Kill()
		sup.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 2 {
		t.Fatalf("supervisor said %q (%v)", line, err)
	}
	pid, secret := f[0], []byte(f[1])
	maps, err := os.ReadFile("/proc/" + pid + "/maps")
	if err != nil {
		return false, err
	}
	mem, err := os.Open("/proc/" + pid + "/mem")
	if err != nil {
		return false, err
	}
	defer mem.Close()
	for _, l := range strings.Split(string(maps), "\n") {
		var lo, hi uint64
		var perm string
		if n, _ := fmt.Sscanf(l, "%x-%x %s", &lo, &hi, &perm); n != 3 || perm[0] != 'r' {
			continue
		}
		b := make([]byte, hi-lo)
		n, _ := mem.ReadAt(b, int64(lo))
		if bytes.Contains(b[:n], secret) {
			return true, nil
		}
	}
	return false, nil
}

// TestSandboxStartAfterRefusals: Starts that are refused while planning
// (each wakes a preforked init, which spins for a plan that does not come,
// then sleeps again) leave the next Start working; under TestSandboxPrefork
// it must take the preforked init.
func TestSandboxStartAfterRefusals(t *testing.T) {
	for i := 0; i < 2; i++ {
		bad := sandbox.Command("")
		if err := bad.Start(); err == nil {
			t.Fatal("Start with no program: no error")
		}
		time.Sleep(30 * time.Millisecond) // past the init's spin
	}
	c, out := helperCmd(t, "exit", "7")
	err := c.Run()
	if ee := exitErr(t, err); ee.Code != 7 {
		t.Fatalf("exit %d, want 7 (%v, %s)", ee.Code, err, out)
	}
}

// TestSandboxCPUs: CMD may run on every CPU the program started with, also
// when the supervisor pinned itself to one (RINGFENCE_PREFORK with 4: the
// preforked init was cloned before, an init forked later gives the CPUs
// back). RINGFENCE_TEST_CPUS, when set, is that number (the supervisor's
// own is then 1).
func TestSandboxCPUs(t *testing.T) {
	var own unix.CPUSet
	if err := unix.SchedGetaffinity(0, &own); err != nil {
		t.Fatal(err)
	}
	want := own.Count()
	if s := os.Getenv("RINGFENCE_TEST_CPUS"); s != "" {
		want, _ = strconv.Atoi(s)
		if own.Count() != 1 {
			t.Errorf("the supervisor runs on %d CPUs, want 1 (pinned)", own.Count())
		}
	}
	c := sandbox.Command("/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status")
	c.Config.Filter = allowButAcctKills
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	list := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out.String()), "Cpus_allowed_list:"))
	if n := cpuListCount(list); n != want {
		t.Errorf("CMD may run on CPUs %q (%d), want %d", list, n, want)
	}
}

// cpuListCount counts the CPUs of a list such as "0-3,6".
func cpuListCount(list string) int {
	n := 0
	for _, part := range strings.Split(list, ",") {
		lo, hi, found := strings.Cut(part, "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if found {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			return -1
		}
		n += b - a + 1
	}
	return n
}
