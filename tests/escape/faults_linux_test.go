package escape

import (
	"bufio"
	"fmt"
	"github.com/ringfence/ringfence/internal/asroot"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// supervisorEnv makes the test binary a sandbox supervisor that starts one
// long-running sandbox, says STARTED, and waits to be killed (see
// TestFaults). Its value is the token the sandboxed shell carries as $0.
const supervisorEnv = "RINGFENCE_ESCAPE_SUPERVISOR"

// supervisorMain is the body of that supervisor process.
func supervisorMain(token string) {
	r := make(chan result, 1)
	go func() {
		r <- runSandboxed(nil, []string{"/bin/sh", "-c", "echo STARTED; sleep 600; :", token}, runOpts{pids: 16})
	}()
	// The sandboxed shell's own "STARTED" goes to runSandboxed's buffer;
	// ours goes out when the shell is seen running.
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, p := range listProcs() {
			if strings.Contains(p.cmdline, token) && strings.HasPrefix(p.cmdline, "/bin/sh") {
				fmt.Println("STARTED")
				res := <-r // until killed
				fmt.Println("ENDED", res)
				os.Exit(1)
			}
		}
		select {
		case res := <-r:
			fmt.Println("FAILED", res)
			os.Exit(1)
		case <-time.After(20 * time.Millisecond):
		}
	}
	fmt.Println("FAILED: the sandboxed shell never showed up")
	os.Exit(1)
}

func tokenGone(token string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		var left []string
		for _, p := range listProcs() {
			if strings.Contains(p.cmdline, token) {
				left = append(left, fmt.Sprintf("%d (%s)", p.pid, strings.TrimSpace(p.cmdline)))
			}
		}
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes left behind: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFaults ends sandboxes the hard ways: CMD crashes, the timeout fires,
// the supervisor is SIGKILLed. Each time nothing of the sandbox may stay.
func TestFaults(t *testing.T) {
	asroot.Require(t, "TestFaults checks the host's cgroups")
	t.Run("crash", func(t *testing.T) {
		token := "ringfence-fault-" + randomHex(4)
		r := runSandboxed(t, []string{"/bin/sh", "-c", "kill -SEGV $$", token}, runOpts{pids: 16})
		if r.err != nil || r.signal != syscall.SIGSEGV {
			t.Errorf("want CMD killed by SIGSEGV, got %v", r)
		}
		if err := tokenGone(token); err != nil {
			t.Error(err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		token := "ringfence-fault-" + randomHex(4)
		start := time.Now()
		r := runSandboxed(t, []string{"/bin/sh", "-c", "sleep 600; :", token}, runOpts{timeout: 300 * time.Millisecond, pids: 16})
		if r.err != nil || r.signal == 0 || r.reason != "timeout" {
			t.Errorf("want a kill with reason timeout, got %v", r)
		}
		if d := time.Since(start); d > 20*time.Second {
			t.Errorf("a 300ms timeout took %v", d)
		}
		if err := tokenGone(token); err != nil {
			t.Error(err)
		}
	})
	t.Run("supervisor_killed", func(t *testing.T) {
		token := "ringfence-fault-" + randomHex(4)
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(self, "-test.run=^$")
		cmd.Env = append(os.Environ(), supervisorEnv+"="+token)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if strings.TrimSpace(line) != "STARTED" {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the supervisor did not start its sandbox: %q", line)
		}
		sup := cmd.Process.Pid
		groups, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/ringfence/run-%d-*", sup))
		t.Cleanup(func() {
			for _, g := range groups {
				os.Remove(g) // rmdir: only an empty group goes
			}
		})
		if len(groups) == 0 {
			t.Errorf("the supervisor's sandbox has no cgroup (want run-%d-N under the ringfence parents)", sup)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		if err := tokenGone(token); err != nil {
			t.Errorf("after SIGKILL of the supervisor: %v", err)
		}
		// The dead supervisor's cgroups cannot remove themselves; the next
		// supervisor's start-up must (cgroup.Cleanup).
		if r := runSandboxed(t, []string{"/bin/true"}, runOpts{pids: 16}); r.err != nil || r.code != 0 {
			t.Fatalf("the next sandbox: %v", r)
		}
		if err := settle(func() error {
			var left []string
			for _, g := range groups {
				if _, err := os.Stat(g); err == nil {
					left = append(left, g)
				}
			}
			if len(left) > 0 {
				return fmt.Errorf("the SIGKILLed supervisor's cgroups are still there after the next sandbox started: %v", left)
			}
			return nil
		}); err != nil {
			t.Error(err)
		}
	})
}
