package inspect

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/verify"
)

const childEnv = "RINGFENCE_INSPECT_CHILD"

const childPolicy = `default allow
errno(EACCES) mkdir, mkdirat
kill-process ptrace
allow socket if domain == AF_UNIX
errno(EAFNOSUPPORT) socket if domain != AF_UNIX
`

// TestMain doubles as the filtered child: it installs childPolicy, says
// "ready" and waits for its stdin to close.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		p, err := policy.LoadSource("child.policy", []byte(childPolicy), policy.LoadOptions{})
		if err != nil {
			panic(err)
		}
		prog, err := seccomp.Compile(p, seccomp.Options{})
		if err != nil {
			panic(err)
		}
		if _, err := prog.Install(0); err != nil {
			panic(err)
		}
		os.Stdout.WriteString("ready\n")
		buf := make([]byte, 1)
		os.Stdin.Read(buf)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func startFilteredChild(t *testing.T) (*exec.Cmd, *seccomp.Policy) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "ready\n" {
		t.Fatalf("child did not install its filter: %q", line)
	}
	p, err := policy.LoadSource("child.policy", []byte(childPolicy), policy.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cmd, p
}

func TestProcessReportsFilterAndNoNewPrivs(t *testing.T) {
	cmd, _ := startFilteredChild(t)
	r, err := Process(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	if r.SeccompMode != 2 || r.SeccompFilters != 1 || !r.NoNewPrivs {
		t.Errorf("child: seccomp mode %d, %d filters, no_new_privs %v; want 2, 1, true", r.SeccompMode, r.SeccompFilters, r.NoNewPrivs)
	}
	self, err := Process(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if self.SeccompMode != 0 || self.NoNewPrivs {
		t.Errorf("test process: mode %d no_new_privs %v, want 0 false", self.SeccompMode, self.NoNewPrivs)
	}
	if !(self.Score > r.Score) {
		t.Errorf("unfiltered process scored %.1f, filtered one %.1f: the filtered one must be less exposed", self.Score, r.Score)
	}
	if os.Geteuid() == 0 && len(self.Caps.Effective) == 0 {
		t.Errorf("root test process shows no effective capabilities")
	}
}

// TestFiltersAreReadBackAndVerified: the filter read from the running child
// is the program that was installed, and it is decision-equivalent to the
// policy; a different policy is found to differ. Without CAP_SYS_ADMIN the
// kernel refuses PTRACE_SECCOMP_GET_FILTER, and Filters says what to do.
func TestFiltersAreReadBackAndVerified(t *testing.T) {
	cmd, p := startFilteredChild(t)
	filters, err := Filters(cmd.Process.Pid)
	if os.Geteuid() != 0 {
		if !errors.Is(err, ErrNeedSysAdmin) {
			t.Errorf("Filters without CAP_SYS_ADMIN: %v, want ErrNeedSysAdmin (%v)", err, ErrNeedSysAdmin)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(filters) != 1 {
		t.Fatalf("%d filters read, want 1", len(filters))
	}
	prog, _ := seccomp.Compile(p, seccomp.Options{})
	if string(bpf.Marshal(filters[0])) != string(prog.Bytes()) {
		t.Errorf("filter read back (%d insns) differs from the installed program (%d insns)", len(filters[0]), len(prog.Instructions))
	}
	res := verify.Compare(verify.FiltersDecider(filters), verify.PolicyDecider(p), verify.Points(p), 3)
	if res.Total != 0 {
		t.Errorf("filters in force differ from the policy: %v", res.Differences)
	}
	other, _ := policy.LoadSource("o.policy", []byte("default allow\nerrno(EACCES) mkdir, mkdirat\n"), policy.LoadOptions{})
	if res := verify.Compare(verify.FiltersDecider(filters), verify.PolicyDecider(other), verify.Points(other, p), 3); res.Total == 0 {
		t.Errorf("a policy without the ptrace and socket rules was found equivalent")
	}
	// The child still runs after being inspected.
	r, err := Process(cmd.Process.Pid)
	if err != nil || r.SeccompMode != 2 {
		t.Errorf("child after inspection: %v %+v", err, r)
	}
}
