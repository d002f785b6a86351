package cgroup

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ringfence/ringfence/internal/asroot"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workloadC is the program the tests confine. Modes:
//
//	alloc MiB    allocate and touch MiB mebibytes, then print "survived"
//	fork N       fork up to N children that pause; print "forked K errno E"
//	spin SECS    busy-loop for SECS seconds of wall-clock time
//	tree         a child that pauses, a double-forked setsid daemon, then pause;
//	             prints "ready" once all three exist
//	bomb         a fork bomb; prints "ready" once it has started
const workloadC = `
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static double now(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
	if (argc < 2) return 2;
	setvbuf(stdout, NULL, _IONBF, 0);
	if (!strcmp(argv[1], "alloc")) {
		size_t n = (size_t)atol(argv[2]) << 20;
		char *p = malloc(n);
		if (!p) { printf("malloc failed\n"); return 3; }
		for (size_t i = 0; i < n; i += 4096) p[i] = 1;
		printf("survived\n");
		return 0;
	}
	if (!strcmp(argv[1], "fork")) {
		int n = atoi(argv[2]), k = 0, e = 0;
		for (int i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) { pause(); _exit(0); }
			if (pid < 0) { e = errno; break; }
			k++;
		}
		printf("forked %d errno %d\n", k, e);
		return 0;
	}
	if (!strcmp(argv[1], "spin")) {
		double end = now() + atof(argv[2]);
		volatile unsigned long x = 0;
		while (now() < end) x++;
		return 0;
	}
	if (!strcmp(argv[1], "bomb")) {
		if (fork() == 0) for (;;) fork();
		printf("ready\n");
		for (;;) fork();
	}
	if (!strcmp(argv[1], "tree")) {
		if (fork() == 0) { pause(); _exit(0); }
		int ready[2];
		if (pipe(ready)) return 4;
		if (fork() == 0) {
			if (fork() == 0) {
				setsid();
				write(ready[1], "x", 1);
				for (;;) pause();
			}
			_exit(0);
		}
		char c;
		if (read(ready[0], &c, 1) != 1) return 5;
		wait(NULL);
		printf("ready\n");
		for (;;) pause();
	}
	return 2;
}
`

var (
	workloadOnce sync.Once
	workloadPath string
	workloadErr  error
	workloadDir  string
)

// workload compiles workloadC once per test binary run.
func workload(t *testing.T) string {
	t.Helper()
	workloadOnce.Do(func() {
		workloadDir, workloadErr = os.MkdirTemp("", "cgroup-workload-")
		if workloadErr != nil {
			return
		}
		src := filepath.Join(workloadDir, "w.c")
		workloadPath = filepath.Join(workloadDir, "w")
		if workloadErr = os.WriteFile(src, []byte(workloadC), 0o644); workloadErr != nil {
			return
		}
		out, err := exec.Command("gcc", "-O1", "-o", workloadPath, src).CombinedOutput()
		if err != nil {
			workloadErr = fmt.Errorf("gcc (apt-get install gcc libc6-dev): %v\n%s", err, out)
		}
	})
	if workloadErr != nil {
		t.Fatal(workloadErr)
	}
	return workloadPath
}

func TestMain(m *testing.M) {
	if mode := os.Getenv("RINGFENCE_CGROUP_HELPER"); mode != "" {
		os.Exit(helperMain(mode))
	}
	code := m.Run()
	if workloadDir != "" {
		os.RemoveAll(workloadDir)
	}
	os.Exit(code)
}

// killMethodNeeds is the kernel feature each kill method stands on.
var killMethodNeeds = map[string]string{
	killV2:      "cgroup.kill in a cgroup2 group (Linux 5.14)",
	killFreeze2: "cgroup.freeze in a cgroup2 group (Linux 5.2)",
	killFreezer: "the cgroup v1 freezer controller",
	killSignals: "a cgroup directory that lists its processes",
}

func requireRoot(t *testing.T) {
	t.Helper()
	asroot.Require(t, "creating cgroups; TestUnprivileged covers the rootless error")
}

// newTestGroup creates a group with a unique name and makes sure, even when
// the test fails, that it is destroyed and that no directory is left.
func newTestGroup(t *testing.T, h *host, l Limits) *Group {
	t.Helper()
	name := UniqueName("rftest-")
	var g *Group
	var err error
	if h == nil {
		g, err = New(name, l)
	} else {
		g, err = h.newGroup(name, l)
	}
	if err != nil {
		t.Fatalf("New(%q, %+v): %v", name, l, err)
	}
	paths := g.Paths()
	t.Cleanup(func() {
		if err := g.Destroy(); err != nil {
			t.Errorf("Destroy: %v", err)
		}
		for _, p := range paths {
			if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("Destroy left %s behind (stat: %v)", p, err)
			}
		}
	})
	return g
}

// started is a workload process moved into a group before it execs.
type started struct {
	cmd *exec.Cmd
	out *bufio.Reader
}

// startIn starts argv under sh, moves sh into g, then lets it exec argv, so
// the workload starts inside the group as the runner does it.
func startIn(t *testing.T, g *Group, argv ...string) *started {
	t.Helper()
	cmd := exec.Command("/bin/sh", append([]string{"-c", `read go && exec "$@"`, "sh"}, argv...)...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	if err := g.Add(cmd.Process.Pid); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	stdin.Close()
	return &started{cmd: cmd, out: bufio.NewReader(stdout)}
}

func (s *started) line(t *testing.T) string {
	t.Helper()
	l, err := s.out.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the workload's output: %v (got %q)", err, l)
	}
	return strings.TrimSpace(l)
}

func TestProbeThisMachine(t *testing.T) {
	r := Probe()
	b, _ := json.MarshalIndent(r, "", "  ")
	t.Logf("Probe:\n%s", b)
	if r.Mode == "none" {
		t.Skip("the kernel's cgroup file systems are not mounted (no cgroup or cgroup2 in /proc/self/mountinfo)")
	}
	if os.Geteuid() == 0 {
		if !r.CanCreate {
			t.Errorf("root but CanCreate is false")
		}
		for _, s := range []Support{r.Memory, r.Pids, r.CPU} {
			if s.OK != (s.Why == "") {
				t.Errorf("inconsistent support %+v", s)
			}
		}
	}
}

func TestMemoryLimitOOMKills(t *testing.T) {
	requireRoot(t)
	w := workload(t)
	l := Limits{MemoryBytes: 64 << 20}
	g := newTestGroup(t, nil, l)
	s := startIn(t, g, w, "alloc", "200")
	out, _ := io.ReadAll(s.out)
	err := s.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("a 200 MiB allocation under a 64 MiB limit exited normally (output %q)", out)
	}
	ws := ee.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("want death by SIGKILL (OOM killer), got %v (output %q)", ws, out)
	}
	ev, err := g.Events()
	if err != nil {
		t.Fatal(err)
	}
	if ev.OOMKills < 1 {
		t.Errorf("Events.OOMKills = %d, want >= 1 (%+v)", ev.OOMKills, ev)
	}
	if ev.MemoryPeakBytes > 64<<20+1<<20 {
		t.Errorf("peak %d exceeds the 64 MiB limit", ev.MemoryPeakBytes)
	}
	msg := ev.Explain(l)
	if !strings.Contains(msg, "memory limit 64 MiB reached") {
		t.Errorf("Explain = %q", msg)
	}
	t.Logf("events %+v; %s", ev, msg)

	// The same program with room to spare survives: the limit, not the
	// program, killed it.
	g2 := newTestGroup(t, nil, Limits{MemoryBytes: 400 << 20})
	s2 := startIn(t, g2, w, "alloc", "200")
	if got := s2.line(t); got != "survived" {
		t.Errorf("under a 400 MiB limit: %q", got)
	}
	if err := s2.cmd.Wait(); err != nil {
		t.Errorf("under a 400 MiB limit: %v", err)
	}
}

func TestPidsLimit(t *testing.T) {
	requireRoot(t)
	w := workload(t)
	g := newTestGroup(t, nil, Limits{Pids: 5})
	s := startIn(t, g, w, "fork", "20")
	got := s.line(t)
	if got != fmt.Sprintf("forked 4 errno %d", syscall.EAGAIN) {
		t.Errorf("with pids.max 5 the workload and 4 children fit, then EAGAIN; got %q", got)
	}
	if err := s.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	ev, err := g.Events()
	if err != nil {
		t.Fatal(err)
	}
	if ev.PidsMax < 1 {
		t.Errorf("Events.PidsMax = %d, want >= 1", ev.PidsMax)
	}
	if !strings.Contains(ev.Explain(g.Limits()), "pids limit 5 reached") {
		t.Errorf("Explain = %q", ev.Explain(g.Limits()))
	}
	pids, _ := g.Pids()
	if len(pids) != 4 {
		t.Errorf("the 4 paused children should still be in the group, got %v", pids)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	if pids, _ := g.Pids(); len(pids) != 0 {
		t.Errorf("after Kill: %v", pids)
	}
}

func TestCPULimit(t *testing.T) {
	requireRoot(t)
	w := workload(t)
	g := newTestGroup(t, nil, Limits{CPUs: 0.2})
	start := time.Now()
	s := startIn(t, g, w, "spin", "1")
	if err := s.cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	ru := s.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	t.Logf("1 s busy loop under CPUs=0.2: %v CPU in %v wall", cpu, wall)
	if cpu < 50*time.Millisecond || cpu > 450*time.Millisecond {
		t.Errorf("CPU time %v, want about 200ms", cpu)
	}
	ev, err := g.Events()
	if err != nil {
		t.Fatal(err)
	}
	// Throttling happens only when a period's quota is used up: on a loaded
	// machine the loop may never get 20 ms in one 100 ms period. Require it
	// when the loop did use (nearly) its whole quota.
	if quota := time.Duration(float64(wall) * 0.2); cpu > quota*9/10 && ev.CPUThrottled < 1 {
		t.Errorf("the loop used %v of a %v quota but Events.CPUThrottled = %d, want >= 1", cpu, quota, ev.CPUThrottled)
	}
}

// viewWithout returns the real host with some cgroup mounts hidden, to
// exercise the fallbacks a machine without them would use.
func viewWithout(t *testing.T, hide func(line string) bool) *host {
	t.Helper()
	h, err := realHost()
	if err != nil {
		t.Fatal(err)
	}
	var keep []string
	for _, line := range strings.Split(h.mountinfo, "\n") {
		if !hide(line) {
			keep = append(keep, line)
		}
	}
	h.mountinfo = strings.Join(keep, "\n")
	return h
}

// TestKill kills a process tree (with a double-forked setsid daemon) and a
// fork bomb by each kill method this machine can offer.
func TestKill(t *testing.T) {
	requireRoot(t)
	w := workload(t)
	noV2 := func(line string) bool { return strings.Contains(line, " - cgroup2 ") }
	methods := []struct {
		method string
		host   func(t *testing.T) *host
	}{
		{killV2, func(*testing.T) *host { return nil }},
		{killFreeze2, func(*testing.T) *host { return nil }},
		{killFreezer, func(t *testing.T) *host { return viewWithout(t, noV2) }},
		{killSignals, func(t *testing.T) *host {
			return viewWithout(t, func(l string) bool { return noV2(l) || strings.HasSuffix(l, ",freezer") })
		}},
	}
	for _, m := range methods {
		for _, mode := range []string{"tree", "bomb"} {
			t.Run(m.method+"/"+mode, func(t *testing.T) {
				// The pids limit keeps the bomb from hurting the machine, and
				// gives the signals method a directory to list.
				g := newTestGroup(t, m.host(t), Limits{Pids: 64})
				if m.method == killFreeze2 && g.kill == killV2 {
					g.kill = killFreeze2 // same group, the pre-5.14 method
				}
				if g.kill != m.method {
					t.Skipf("this kernel offers kill method %q here, not %q (which needs %s)", g.kill, m.method, killMethodNeeds[m.method])
				}
				s := startIn(t, g, w, mode)
				if got := s.line(t); got != "ready" {
					t.Fatalf("workload: %q", got)
				}
				pids, err := g.Pids()
				if err != nil {
					t.Fatal(err)
				}
				if mode == "tree" && len(pids) != 3 {
					t.Fatalf("want the workload, its child and the double-forked daemon, got %v", pids)
				}
				for deadline := time.Now().Add(5 * time.Second); mode == "bomb" && len(pids) < 60; {
					if time.Now().After(deadline) {
						t.Fatalf("the bomb did not fill the group: %d pids", len(pids))
					}
					time.Sleep(10 * time.Millisecond)
					pids, _ = g.Pids()
				}
				start := time.Now()
				if err := g.Kill(); err != nil {
					t.Fatal(err)
				}
				t.Logf("killed %d processes in %v", len(pids), time.Since(start))
				if left, _ := g.Pids(); len(left) != 0 {
					t.Fatalf("after Kill: %v", left)
				}
				s.cmd.Wait()
				for _, pid := range pids {
					if st := procState(pid); st != "" && st != "Z" {
						t.Errorf("pid %d survived Kill (state %s)", pid, st)
					}
				}
			})
		}
	}
}

// procState is the state letter of /proc/PID/stat, "" when gone.
func procState(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+3 <= len(s) {
		return s[i+2 : i+3]
	}
	return "?"
}

func TestDestroyIdempotentAndRemovesSubgroups(t *testing.T) {
	requireRoot(t)
	g, err := New(UniqueName("rftest-"), Limits{MemoryBytes: 32 << 20, Pids: 10, CPUs: 1})
	if err != nil {
		t.Fatal(err)
	}
	paths := g.Paths()
	t.Cleanup(func() { g.Destroy() })
	t.Logf("paths: %v", paths)
	if len(paths) == 0 {
		t.Fatal("no directory created")
	}
	// A sandbox that made a sub-group of its own must not keep Destroy from
	// removing the tree.
	if err := os.Mkdir(filepath.Join(paths[0], "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	sleep := exec.Command("sleep", "100")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	defer sleep.Wait()
	if err := writeControl(filepath.Join(paths[0], "inner", "cgroup.procs"), strconv.Itoa(sleep.Process.Pid)); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths[1:] {
		if err := writeControl(filepath.Join(p, "cgroup.procs"), strconv.Itoa(sleep.Process.Pid)); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists", p)
		}
	}
	if err := g.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
	if len(g.Paths()) != 0 {
		t.Errorf("Paths after Destroy: %v", g.Paths())
	}
}

func TestCleanupRemovesStaleGroups(t *testing.T) {
	requireRoot(t)
	prefix := fmt.Sprintf("rfclean%d-", os.Getpid())
	// A stale group: named for a pid that no longer exists.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale, err := New(fmt.Sprintf("%s%d-1", prefix, dead.Process.Pid), Limits{Pids: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stale.Destroy() })
	// A live group (our pid) that is still empty, and a busy one.
	live := newTestGroup(t, nil, Limits{})
	live2, err := New(UniqueName(prefix), Limits{Pids: 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { live2.Destroy() })
	busy, err := New("rfbusy"+strconv.Itoa(os.Getpid()), Limits{})
	_ = live
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Destroy() })
	sleep := exec.Command("sleep", "100")
	if err := sleep.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleep.Process.Kill(); sleep.Wait() })
	if err := busy.Add(sleep.Process.Pid); err != nil {
		t.Fatal(err)
	}

	if err := Cleanup(prefix); err != nil {
		t.Fatal(err)
	}
	if err := Cleanup("rfbusy"); err != nil {
		t.Fatal(err)
	}
	for _, p := range stale.Paths() {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("stale group %s not removed", p)
		}
	}
	for _, g := range []*Group{live2, busy} {
		for _, p := range g.Paths() {
			if _, err := os.Stat(p); err != nil {
				t.Errorf("Cleanup removed %s (a live supervisor's or a non-empty group): %v", p, err)
			}
		}
	}
}

func TestUnenforceableLimitErrors(t *testing.T) {
	requireRoot(t)
	// Hide every hierarchy that has the pids controller: the limit cannot
	// be placed and New must say so, creating nothing.
	h := viewWithout(t, func(l string) bool { return strings.HasSuffix(l, ",pids") })
	if findV1(h.hierarchies(), "pids") != nil {
		t.Fatal("pids hierarchy not hidden")
	}
	before := listRingfence(t)
	_, err := h.newGroup(UniqueName("rftest-"), Limits{MemoryBytes: 64 << 20, Pids: 10})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitPids {
		t.Fatalf("want a LimitError for pids, got %v", err)
	}
	if !strings.Contains(err.Error(), "--pids 10") || !strings.Contains(err.Error(), "pids controller") {
		t.Errorf("message does not name the limit and the cause: %v", err)
	}
	if after := listRingfence(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("a failed New left directories: before %v after %v", before, after)
	}
	// A value below what the kernel accepts fails in New, not silently.
	g, err := New(UniqueName("rftest-"), Limits{CPUs: 0.001})
	if err == nil {
		g.Destroy()
		t.Fatal("CPUs=0.001 accepted")
	}
	t.Logf("%v", err)
}

func listRingfence(t *testing.T) []string {
	h, err := realHost()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, hi := range h.hierarchies() {
		entries, _ := os.ReadDir(filepath.Join(hi.mount, parentName))
		for _, e := range entries {
			if e.IsDir() {
				out = append(out, filepath.Join(hi.mount, parentName, e.Name()))
			}
		}
	}
	return out
}

// helperResult is what the unprivileged helper reports.
type helperResult struct {
	MemoryErr string   `json:"memory_err"`
	ZeroPaths []string `json:"zero_paths"`
	ZeroErr   string   `json:"zero_err"`
	Killed    bool     `json:"killed"`
	Report    Report   `json:"report"`
}

// helperMain runs in a re-executed test binary, as another user.
func helperMain(mode string) int {
	var r helperResult
	r.Report = Probe()
	if _, err := New(UniqueName("rftest-"), Limits{MemoryBytes: 64 << 20}); err != nil {
		r.MemoryErr = err.Error()
	}
	g, err := New(UniqueName("rftest-"), Limits{})
	if err != nil {
		r.ZeroErr = err.Error()
	} else {
		r.ZeroPaths = g.Paths()
		if mode == "delegated" && len(r.ZeroPaths) > 0 {
			sleep := exec.Command("sleep", "100")
			if sleep.Start() == nil {
				if g.Add(sleep.Process.Pid) == nil && g.Kill() == nil {
					err := sleep.Wait()
					var ee *exec.ExitError
					r.Killed = errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
				} else {
					sleep.Process.Kill()
					sleep.Wait()
				}
			}
		}
		if err := g.Destroy(); err != nil && r.ZeroErr == "" {
			r.ZeroErr = "Destroy: " + err.Error()
		}
	}
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// runHelperAs re-executes the test binary as uid/gid 65534, optionally
// inside a cgroup (clone3 CLONE_INTO_CGROUP).
func runHelperAs(t *testing.T, mode string, cgroupDir string) helperResult {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The go test binary sits in a root-only directory: copy it somewhere
	// nobody can execute it.
	dir, err := os.MkdirTemp("", "cgroup-helper-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "cgroup.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "RINGFENCE_CGROUP_HELPER="+mode)
	cmd.Dir = "/"
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if cgroupDir != "" {
		fd, err := syscall.Open(cgroupDir, syscall.O_DIRECTORY|syscall.O_RDONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Close(fd)
		cmd.SysProcAttr.UseCgroupFD = true
		cmd.SysProcAttr.CgroupFD = fd
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper as uid 65534: %v", err)
	}
	var r helperResult
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	return r
}

func TestUnprivilegedGetsClearError(t *testing.T) {
	requireRoot(t) // to switch to uid 65534
	r := runHelperAs(t, "plain", "")
	t.Logf("as uid 65534: memory error %q; zero-limit paths %v", r.MemoryErr, r.ZeroPaths)
	want := "needs root or a delegated cgroup: run as root, or under systemd-run --user --scope -p Delegate=yes"
	if !strings.Contains(r.MemoryErr, want) || !strings.Contains(r.MemoryErr, "--memory 64 MiB") {
		t.Errorf("New(memory) as nobody: %q, want it to contain %q", r.MemoryErr, want)
	}
	if r.ZeroErr != "" || len(r.ZeroPaths) != 0 {
		t.Errorf("a zero Limits as nobody should give a Group that tracks nothing, got %v, %q", r.ZeroPaths, r.ZeroErr)
	}
	if r.Report.CanCreate || r.Report.Memory.OK || !strings.Contains(r.Report.Memory.Why, "needs root") {
		t.Errorf("Probe as nobody: %+v", r.Report)
	}
}

// TestDelegatedV2 delegates a cgroup v2 group to uid 65534, the way systemd's
// Delegate=yes does (ownership of the directory, cgroup.procs,
// cgroup.subtree_control and cgroup.threads), and runs New there unprivileged.
func TestDelegatedV2(t *testing.T) {
	requireRoot(t)
	h, err := realHost()
	if err != nil {
		t.Fatal(err)
	}
	var v2 *hierarchy
	for _, hi := range h.hierarchies() {
		if hi.v2 {
			v2 = hi
		}
	}
	if v2 == nil {
		t.Skip("the kernel's cgroup2 file system is not mounted (no cgroup2 in /proc/self/mountinfo)")
	}
	deleg := filepath.Join(v2.mount, fmt.Sprintf("rftest-deleg-%d", os.Getpid()))
	if err := os.Mkdir(deleg, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := removeTree(deleg, time.Now().Add(5*time.Second)); err != nil {
			t.Error(err)
		}
	})
	for _, f := range []string{"", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"} {
		if err := os.Chown(filepath.Join(deleg, f), 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	r := runHelperAs(t, "delegated", deleg)
	t.Logf("delegated: memory error %q; zero-limit paths %v; kill %s", r.MemoryErr, r.ZeroPaths, r.Report.Kill.Via)
	if len(r.ZeroPaths) == 0 || !strings.HasPrefix(r.ZeroPaths[0], filepath.Join(deleg, parentName)+"/") {
		t.Fatalf("want a tracking group under %s/ringfence, got %v (%s)", deleg, r.ZeroPaths, r.ZeroErr)
	}
	if r.ZeroErr != "" {
		t.Errorf("%s", r.ZeroErr)
	}
	if !r.Killed {
		t.Errorf("Kill in the delegated group did not SIGKILL its process")
	}
	if !r.Report.V2.Delegated || !r.Report.CanCreate {
		t.Errorf("Probe did not see the delegation: %+v", r.Report.V2)
	}
	if r.Report.Memory.OK {
		// Only if this machine's v2 had the memory controller.
		return
	}
	if r.MemoryErr == "" {
		t.Errorf("memory limit in a delegation without the memory controller accepted")
	}
}

// TestParallelGroups creates, uses and destroys 50 groups at once, as 50
// parallel sandboxes do, and checks that nothing is left.
func TestParallelGroups(t *testing.T) {
	requireRoot(t)
	before := listRingfence(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := New(UniqueName("rftest-par-"), Limits{MemoryBytes: 32 << 20, Pids: 16, CPUs: 0.5})
			if err != nil {
				errs <- err
				return
			}
			defer func() {
				if err := g.Destroy(); err != nil {
					errs <- err
				}
			}()
			cmd := exec.Command("sleep", "10")
			if err := cmd.Start(); err != nil {
				errs <- err
				return
			}
			if err := g.Add(cmd.Process.Pid); err != nil {
				cmd.Process.Kill()
				errs <- err
			}
			if err := g.Kill(); err != nil {
				errs <- err
			}
			cmd.Wait()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if after := listRingfence(t); strings.Join(after, ",") != strings.Join(before, ",") {
		t.Errorf("left behind: %v", after)
	}
}

func TestCloneInto(t *testing.T) {
	requireRoot(t)
	// A hybrid host (this one) puts a group in its v1 hierarchies too: look
	// at its cgroup2 hierarchy alone, as a cgroup2-only host would.
	onlyV2 := viewWithout(t, func(line string) bool { return strings.Contains(line, " - cgroup ") })
	g := newTestGroup(t, onlyV2, Limits{})
	dir, ok := g.CloneInto()
	if !ok {
		t.Skipf("no cgroup2 file system is mounted (paths %v): CLONE_INTO_CGROUP needs one", g.Paths())
	}
	fd, err := syscall.Open(dir, syscall.O_DIRECTORY|syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	cmd := exec.Command("sleep", "100")
	cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := cmd.Start(); err != nil {
		t.Fatalf("clone3 CLONE_INTO_CGROUP: %v", err)
	}
	defer cmd.Wait()
	pids, err := g.Pids()
	if err != nil || len(pids) != 1 || pids[0] != cmd.Process.Pid {
		cmd.Process.Kill()
		t.Fatalf("Pids %v %v, want [%d]", pids, err, cmd.Process.Pid)
	}
	if err := g.Kill(); err != nil {
		t.Fatal(err)
	}
	if _, ok := newTestGroup(t, nil, Limits{Pids: 3}).CloneInto(); ok && findV1(mustHost(t).hierarchies(), "pids") != nil {
		t.Error("CloneInto ok for a group with a v1 pids directory")
	}
}

func mustHost(t *testing.T) *host {
	t.Helper()
	h, err := realHost()
	if err != nil {
		t.Fatal(err)
	}
	return h
}
