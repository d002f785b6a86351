package escape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// cliPath is cmd/ringfence, built once per test process into the attacks'
// directory.
var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

func buildCLI(t testing.TB) string {
	cliOnce.Do(func() {
		if _, err := exec.LookPath("go"); err != nil {
			cliErr = fmt.Errorf("the go command is not on PATH: %v", err)
			return
		}
		p := filepath.Join(sharedBin(t), "ringfence")
		start := time.Now()
		defer func() { t.Logf("go build ./cmd/ringfence: %v", time.Since(start)) }()
		out, err := exec.Command("go", "build", "-o", p, "github.com/ringfence/ringfence/cmd/ringfence").CombinedOutput()
		if err != nil {
			cliErr = fmt.Errorf("go build ./cmd/ringfence: %v\n%s", err, out)
			return
		}
		cliPath = p
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliPath
}

// runCLI runs argv under `ringfence run` with the flags that o stands for.
// A status of 128+N is read as "killed by signal N", as the CLI reports it.
func runCLI(t testing.TB, argv []string, o runOpts) result {
	args := []string{"run"}
	if o.memory != 0 {
		args = append(args, "--memory", fmt.Sprintf("%dM", o.memory>>20))
	}
	if o.pids != 0 {
		args = append(args, "--pids", fmt.Sprint(o.pids))
	}
	if o.cpuTime != 0 {
		args = append(args, "--cpu-time", fmt.Sprint(o.cpuTime))
	}
	if o.timeout != 0 {
		args = append(args, "--timeout", o.timeout.String())
	}
	for dst, size := range o.tmpfs {
		args = append(args, "--tmpfs", fmt.Sprintf("%s:%dM", dst, size>>20))
	}
	if o.tty {
		args = append(args, "--tty")
	}
	if o.seccompOff {
		args = append(args, "--seccomp=off")
	}
	args = append(append(args, "--"), argv...)
	ctx, cancel := context.WithTimeout(context.Background(), sandboxDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, buildCLI(t), args...)
	if o.stdin != nil {
		cmd.Stdin = o.stdin
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.err = fmt.Errorf("ringfence run did not finish within %v", sandboxDeadline)
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if r.code > 128 && r.code <= 128+64 {
			r.signal = syscall.Signal(r.code - 128)
			for _, line := range strings.Split(r.stderr, "\n") {
				if strings.HasPrefix(line, "ringfence: killed") {
					r.reason = strings.TrimPrefix(line, "ringfence: ")
					break
				}
			}
		}
	default:
		r.err = err
	}
	return r
}

// TestCLI runs every attack contained by `ringfence run` with no flags but
// the limit flags, as a user would: the CLI must compose the same
// containment as the library (the built-in default policy included).
func TestCLI(t *testing.T) {
	h := newHost(t) // the rootless child runs TestEscapes only
	if r := runCLI(t, []string{"/bin/sh", "-c", "echo ok; exit 7"}, runOpts{}); r.err != nil || r.code != 7 || strings.TrimSpace(r.stdout) != "ok" {
		t.Fatalf("ringfence run does not run a plain shell (want stdout ok, exit 7): %v", r)
	}
	for _, a := range attacks {
		if a.opts.cpuTime != 0 || a.opts.timeout != 0 {
			continue // TestEscapes covers them; here they would only cost time
		}
		t.Run(a.name, func(t *testing.T) {
			sandboxLeg(t, h, a, runCLI, runOpts{}, "under ringfence run")
		})
	}
}
