package escape

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ringfence/ringfence/cgroup"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/seccomp"
)

func TestMain(m *testing.M) {
	// The fault tests run this binary as a supervisor that starts a
	// sandbox and waits to be killed.
	if token := os.Getenv(supervisorEnv); token != "" {
		supervisorMain(token) // exits
	}
	code := m.Run()
	removeBin()
	os.Exit(code)
}

// sandboxDeadline bounds one sandboxed run; every attack ends in seconds.
const sandboxDeadline = 45 * time.Second

// killInits SIGKILLs the sandbox inits (processes named ringfence-init)
// among our descendants and says what each was doing.
func killInits() string {
	var what []string
	self := os.Getpid()
	procs := listProcs()
	parent := map[int]int{}
	for _, p := range procs {
		parent[p.pid] = p.ppid
	}
	for _, p := range procs {
		if !strings.HasPrefix(p.cmdline, "ringfence-init") {
			continue
		}
		for q, n := parent[p.pid], 0; q > 1 && n < 64; q, n = parent[q], n+1 {
			if q == self {
				wchan, _ := os.ReadFile(fmt.Sprintf("/proc/%d/wchan", p.pid))
				sc, _ := os.ReadFile(fmt.Sprintf("/proc/%d/syscall", p.pid))
				what = append(what, fmt.Sprintf("pid %d (parent %d) waiting in %s, syscall %s", p.pid, p.ppid, wchan, strings.TrimSpace(string(sc))))
				syscall.Kill(p.pid, syscall.SIGKILL)
				break
			}
		}
	}
	return strings.Join(what, "; ")
}

var defaultFilter = sync.OnceValues(func() ([]byte, error) {
	p, err := policy.Builtin("default")
	if err != nil {
		return nil, err
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		return nil, err
	}
	return prog.Bytes(), nil
})

// runSandboxed runs argv through the sandbox library with the defaults:
// the built-in default policy and no flags but the limits in o.
func runSandboxed(t testing.TB, argv []string, o runOpts) result {
	filter, err := defaultFilter()
	if err != nil {
		return result{err: err}
	}
	cmd := sandbox.Command(argv[0], argv[1:]...)
	cmd.Config.Filter = filter
	cmd.Config.TTY = o.tty
	if o.seccompOff {
		cmd.Config.Filter, cmd.Config.SeccompOff = nil, true
	}
	cmd.Config.Limits = cgroup.Limits{MemoryBytes: o.memory, Pids: o.pids}
	cmd.Config.Rlimits.CPUTime = o.cpuTime
	cmd.Config.Timeout = o.timeout
	for dst, size := range o.tmpfs {
		cmd.Config.Mounts = append(cmd.Config.Mounts, sandbox.Mount{Kind: sandbox.MountTmpfs, Dest: dst, Size: size})
	}
	if o.stdin != nil {
		cmd.Stdin = o.stdin
	}
	var out, errb, logb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Log = slog.New(slog.NewTextHandler(io.Writer(&logb), nil))
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	var hung string
	select {
	case err = <-done:
	case <-time.After(sandboxDeadline):
		// A sandbox that never finishes must fail the test, not hang it:
		// kill its init (our child), which ends Start or Wait.
		hung = killInits()
		err = <-done
	}
	r := result{stdout: out.String(), stderr: errb.String(), log: logb.String()}
	if hung != "" {
		r.err = fmt.Errorf("the sandbox did not finish within %v (Run returned %v); its processes were: %s", sandboxDeadline, err, hung)
		return r
	}
	var ee *sandbox.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code, r.signal, r.reason = ee.Code, ee.Signal, string(ee.Reason)
		if ee.Signal != 0 {
			r.code = -1
		}
	default:
		r.err = err
	}
	return r
}
