package audit

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/internal/testchild"
	"github.com/ringfence/ringfence/seccomp"
)

func TestMain(m *testing.M) {
	testchild.Main(m, map[string]func() error{
		"lazy-policy":        childLazyPolicy,
		"policy-load-failed": childPolicyLoadFailed,
	})
}

// getppidDenied is a policy that denies getppid (with EACCES) and nothing
// else: the test's Go runtime never calls it.
func getppidDenied() *seccomp.Policy {
	return &seccomp.Policy{Default: seccomp.Allow, Rules: []seccomp.Rule{
		{Syscall: "getppid", Action: seccomp.Errno(uint16(unix.EACCES)), Source: "test.policy:3:1"},
	}}
}

// serveReporting installs Reporting(p) on every thread with a listener and
// serves it with sv in the background; stop ends Serve and returns its error.
func serveReporting(p *seccomp.Policy, sv *Supervisor) (stop func() error, err error) {
	prog, err := seccomp.Compile(Reporting(p), seccomp.Options{})
	if err != nil {
		return nil, err
	}
	fd, err := prog.Install(seccomp.InstallNewListener)
	if err != nil {
		return nil, err
	}
	done, served := make(chan struct{}), make(chan error, 1)
	go func() { served <- sv.Serve(fd, done) }()
	return func() error { close(done); return <-served }, nil
}

func getppid() unix.Errno {
	_, _, e := unix.RawSyscall(unix.SYS_GETPPID, 0, 0, 0)
	return e
}

// childLazyPolicy: a supervisor given LoadPolicy loads the policy at the
// first notification, once, and reports from it as from Policy.
func childLazyPolicy() error {
	p := getppidDenied()
	var loads atomic.Int32
	events := make(chan Event, 4)
	sv := &Supervisor{
		LoadPolicy: func() (*seccomp.Policy, error) { loads.Add(1); return p, nil },
		Mode:       Enforce,
		Report:     func(ev Event) { events <- ev },
	}
	stop, err := serveReporting(p, sv)
	if err != nil {
		return err
	}
	if unix.Getpid(); loads.Load() != 0 {
		return errors.New("the policy was loaded before any notification")
	}
	for i := 0; i < 2; i++ {
		if e := getppid(); e != unix.EACCES {
			return fmt.Errorf("getppid #%d: errno %v, want EACCES", i+1, e)
		}
	}
	if err := stop(); err != nil {
		return fmt.Errorf("Serve: %v", err)
	}
	if n := loads.Load(); n != 1 {
		return fmt.Errorf("the policy was loaded %d times, want once", n)
	}
	close(events)
	var got []string
	for ev := range events {
		got = append(got, ev.String())
	}
	if len(got) != 2 || !strings.Contains(got[0], "denied getppid") || !strings.Contains(got[0], "by rule test.policy:3:1") ||
		!strings.Contains(got[0], "to allow: remove the rule at test.policy:3:1") {
		return fmt.Errorf("reports %q, want two denials of getppid by rule test.policy:3:1", got)
	}
	return nil
}

// childPolicyLoadFailed: when LoadPolicy fails, the call is denied (the
// target is not left waiting) and Serve returns the error.
func childPolicyLoadFailed() error {
	broken := errors.New("no such policy")
	sv := &Supervisor{LoadPolicy: func() (*seccomp.Policy, error) { return nil, broken }, Mode: Complain}
	stop, err := serveReporting(getppidDenied(), sv)
	if err != nil {
		return err
	}
	if e := getppid(); e != unix.EPERM {
		return fmt.Errorf("getppid: errno %v, want EPERM (complain mode must not allow what it cannot decide)", e)
	}
	if err := stop(); !errors.Is(err, broken) {
		return fmt.Errorf("Serve returned %v, want the load error", err)
	}
	return nil
}

func TestSupervisorLoadsPolicyLazily(t *testing.T) { testchild.Run(t, "lazy-policy") }

func TestSupervisorPolicyLoadFails(t *testing.T) { testchild.Run(t, "policy-load-failed") }
