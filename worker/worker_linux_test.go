package worker_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ringfence/ringfence/internal/asroot"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/cgroup"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/worker"
)

// The test binary doubles as the attacker: TestMain runs attack() when
// attackEnv names a pid.
const attackEnv = "RINGFENCE_WORKER_ATTACK"

var pngWorker string // the example worker, built by TestMain

func TestMain(m *testing.M) {
	if pid := os.Getenv(attackEnv); pid != "" {
		os.Exit(attack(pid))
	}
	dir, err := os.MkdirTemp("", "worker-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		bin, err := buildExample(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "building examples/pipe-worker/pngworker/pngworker.c:", err)
			return 1
		}
		pngWorker = bin
		return m.Run()
	}()
	os.Exit(code)
}

// buildExample compiles the example worker with gcc -static.
func buildExample(dir string) (string, error) {
	out := filepath.Join(dir, "pngworker")
	cmd := exec.Command("gcc", "-static", "-O2", "-o", out, "../examples/pipe-worker/pngworker/pngworker.c")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%v: %s (needs gcc and libc6-dev)", err, b)
	}
	return out, nil
}

func pngBytes(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func start(t *testing.T, cfg worker.Config) *worker.Worker {
	t.Helper()
	if cfg.Binary == "" {
		cfg.Binary = pngWorker
	}
	var stderr bytes.Buffer
	if cfg.Stderr == nil {
		cfg.Stderr = &lockedBuf{b: &stderr}
	}
	w, err := worker.Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

type lockedBuf struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func call(t *testing.T, w *worker.Worker, req []byte) string {
	t.Helper()
	reply, err := w.Call(context.Background(), req)
	if err != nil {
		t.Fatalf("Call: %v", err)
	}
	return string(reply)
}

func TestParse(t *testing.T) {
	w := start(t, worker.Config{Args: []string{"--ready"}, Ready: true})
	if got, want := call(t, w, pngBytes(t, 640, 480)), "ok width=640 height=480 depth=8 colour=6"; got != want {
		t.Errorf("PNG 640x480: %q, want %q", got, want)
	}
	bad := pngBytes(t, 3, 2)
	bad[8+8+2] ^= 0xff // width byte: the CRC no longer matches
	if got := call(t, w, bad); got != "error: IHDR CRC mismatch" {
		t.Errorf("corrupt IHDR: %q", got)
	}
	if got := call(t, w, []byte("GIF89a")); !strings.HasPrefix(got, "error:") {
		t.Errorf("not a PNG: %q", got)
	}
	if got := call(t, w, nil); !strings.HasPrefix(got, "error:") {
		t.Errorf("empty request: %q", got)
	}
	if w.Restarts() != 0 {
		t.Errorf("restarts = %d, want 0", w.Restarts())
	}
	if _, err := w.Call(context.Background(), make([]byte, worker.DefaultMaxFrame+1)); err == nil {
		t.Error("an oversized request was sent")
	}
}

// TestMaliciousInput: a request that makes the worker try open, socket or
// fork gets it killed by the pipe-worker policy, the error names the call,
// and the next request runs on a restarted worker.
func TestMaliciousInput(t *testing.T) {
	w := start(t, worker.Config{})
	good := pngBytes(t, 7, 9)
	for i, tc := range []struct{ op, syscall string }{
		{"o", "openat"}, {"s", "socket"}, {"f", "fork"},
	} {
		before := w.Pid()
		_, err := w.Call(context.Background(), []byte("EVIL"+tc.op))
		var we *worker.Error
		if !errors.As(err, &we) {
			t.Fatalf("EVIL%s: err = %v, want *worker.Error", tc.op, err)
		}
		if we.Syscall != tc.syscall {
			t.Errorf("EVIL%s: killed for %q, want %q (%v)", tc.op, we.Syscall, tc.syscall, err)
		}
		if want := "worker killed: " + tc.syscall + " denied by the pipe-worker policy"; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("EVIL%s: error %q, want prefix %q", tc.op, err, want)
		}
		if we.Exit == nil || we.Exit.Signal != syscall.SIGKILL {
			t.Errorf("EVIL%s: exit %v, want SIGKILL", tc.op, we.Exit)
		}
		if alive(before) {
			t.Errorf("EVIL%s: worker pid %d still alive", tc.op, before)
		}
		if got := call(t, w, good); got != "ok width=7 height=9 depth=8 colour=6" {
			t.Errorf("after EVIL%s: %q", tc.op, got)
		}
		if w.Restarts() != i+1 {
			t.Errorf("restarts = %d, want %d", w.Restarts(), i+1)
		}
	}
}

// TestExecveGap documents what the policy cannot stop: execve is the
// launcher's own last call, so the filter admits it. The root holds nothing
// but the worker, so execve("/bin/sh") fails with ENOENT and nothing runs.
func TestExecveGap(t *testing.T) {
	w := start(t, worker.Config{})
	pid := w.Pid()
	got := call(t, w, []byte("EVILe"))
	if !strings.HasPrefix(got, "error:") {
		t.Errorf("EVILe: %q, want the parser's error reply (execve failed, the worker went on)", got)
	}
	if w.Pid() != pid || w.Restarts() != 0 {
		t.Errorf("worker restarted after a failed execve")
	}
}

func TestCrashAndTimeout(t *testing.T) {
	w := start(t, worker.Config{Timeout: 300 * time.Millisecond})
	_, err := w.Call(context.Background(), []byte("EVILc"))
	var we *worker.Error
	if !errors.As(err, &we) || we.Exit == nil || we.Exit.Signal != syscall.SIGSEGV || we.Syscall != "" {
		t.Fatalf("crash: %v (%#v)", err, we)
	}
	if !strings.Contains(err.Error(), "SIGSEGV") {
		t.Errorf("crash error %q does not name SIGSEGV", err)
	}
	t0 := time.Now()
	_, err = w.Call(context.Background(), []byte("EVILl"))
	if !errors.Is(err, worker.ErrTimeout) {
		t.Fatalf("endless loop: %v, want ErrTimeout", err)
	}
	if d := time.Since(t0); d > 3*time.Second {
		t.Errorf("timeout took %v", d)
	}
	if got := call(t, w, pngBytes(t, 1, 1)); !strings.HasPrefix(got, "ok ") {
		t.Errorf("after the timeout: %q", got)
	}
	if w.Restarts() != 2 {
		t.Errorf("restarts = %d, want 2", w.Restarts())
	}
	// The context's deadline wins over a long Config.Timeout.
	w2 := start(t, worker.Config{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 = time.Now()
	if _, err := w2.Call(ctx, []byte("EVILl")); !errors.Is(err, worker.ErrTimeout) {
		t.Fatalf("context deadline: %v", err)
	}
	if d := time.Since(t0); d > 10*time.Second {
		t.Errorf("the context's deadline took %v", d)
	}
	if got := call(t, w2, pngBytes(t, 1, 1)); !strings.HasPrefix(got, "ok ") {
		t.Errorf("after the context timeout: %q", got)
	}
	// A deadline that has passed before the request is sent fails it
	// without touching the worker.
	pid := w2.Pid()
	ctx2, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	if _, err := w2.Call(ctx2, []byte("x")); err == nil {
		t.Error("a call with an expired deadline succeeded")
	}
	if w2.Pid() != pid || w2.Restarts() != 1 {
		t.Errorf("expired deadline: pid %d -> %d, restarts %d (want 1)", pid, w2.Pid(), w2.Restarts())
	}
}

// TestContainment reads the worker's /proc/PID/status from the host.
func TestContainment(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     worker.Config
		seccomp string
	}{
		{"filter", worker.Config{Args: []string{"--ready"}, Ready: true}, "2"},
		// --strict under the filter: the kernel refuses strict mode (EINVAL),
		// the worker goes on under the filter.
		{"strict-under-filter", worker.Config{Args: []string{"--strict", "--ready"}, Ready: true}, "2"},
		{"strict", worker.Config{Args: []string{"--strict", "--ready"}, Strict: true}, "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := start(t, tc.cfg)
			pid := w.Pid()
			if pid <= 0 {
				t.Fatal("no worker pid")
			}
			want := map[string]string{
				"Seccomp": tc.seccomp, "NoNewPrivs": "1", "CapInh": "0000000000000000",
				"CapPrm": "0000000000000000", "CapEff": "0000000000000000",
				"CapBnd": "0000000000000000", "CapAmb": "0000000000000000",
			}
			for k, v := range want {
				got, err := worker.StatusField(pid, k)
				if err != nil || got != v {
					t.Errorf("%s: %q (%v), want %q", k, got, err, v)
				}
			}
			lck, _ := worker.StatusField(pid, "VmLck")
			if kb, _ := strconv.Atoi(strings.TrimSuffix(lck, " kB")); kb <= 0 {
				t.Errorf("VmLck: %q, want > 0 (mlockall)", lck)
			}
			// A non-dumpable process's /proc/PID files belong to root.
			var st unix.Stat_t
			if err := unix.Stat(fmt.Sprintf("/proc/%d/mem", pid), &st); err != nil || st.Uid != 0 {
				t.Errorf("/proc/%d/mem owner uid %d (%v), want 0: the worker is dumpable", pid, st.Uid, err)
			}
			if got := call(t, w, pngBytes(t, 2, 3)); got != "ok width=2 height=3 depth=8 colour=6" {
				t.Errorf("reply %q", got)
			}
			if tc.cfg.Strict {
				// Strict mode kills with SIGKILL; there is no notification, so
				// no syscall is named.
				_, err := w.Call(context.Background(), []byte("EVILo"))
				var we *worker.Error
				if !errors.As(err, &we) || we.Exit == nil || we.Exit.Signal != syscall.SIGKILL || we.Syscall != "" {
					t.Errorf("strict EVILo: %v", err)
				}
				if got := call(t, w, pngBytes(t, 2, 3)); !strings.HasPrefix(got, "ok ") {
					t.Errorf("after the kill: %q", got)
				}
			}
		})
	}
}

// TestStrictRefused: Config.Strict with a worker that never enters strict
// mode is refused at start.
func TestStrictRefused(t *testing.T) {
	_, err := worker.Start(worker.Config{Binary: pngWorker, Args: []string{"--ready"}, Strict: true})
	if err == nil || !strings.Contains(err.Error(), "SECCOMP_MODE_STRICT") {
		t.Fatalf("Start = %v, want a refusal naming SECCOMP_MODE_STRICT", err)
	}
}

func TestDynamicBinaryRefused(t *testing.T) {
	_, err := worker.Start(worker.Config{Binary: "/bin/true"})
	if err == nil || !strings.Contains(err.Error(), "static") {
		t.Fatalf("Start(/bin/true) = %v, want a refusal asking for a static binary", err)
	}
}

// attackReport is what the attacker helper observes.
type attackReport struct {
	UID       int    `json:"uid"`
	Ptrace    string `json:"ptrace"`
	Mem       string `json:"mem"`
	Kill      string `json:"kill"`
	ProcEnvir string `json:"environ"`
}

func errName(err error) string {
	if err == nil {
		return "ok"
	}
	var e syscall.Errno
	if errors.As(err, &e) {
		return unix.ErrnoName(e)
	}
	return err.Error()
}

// attack runs in the helper process, as an unprivileged host uid.
func attack(pidStr string) int {
	pid, _ := strconv.Atoi(pidStr)
	r := attackReport{UID: os.Getuid()}
	r.Ptrace = errName(unix.PtraceAttach(pid))
	if r.Ptrace == "ok" {
		unix.PtraceDetach(pid)
	}
	if f, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid)); err != nil {
		r.Mem = errName(err)
	} else {
		r.Mem = "ok"
		f.Close()
	}
	_, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	r.ProcEnvir = errName(err)
	// Signal 0 checks the permission to signal without sending anything.
	r.Kill = errName(unix.Kill(pid, 0))
	json.NewEncoder(os.Stdout).Encode(r)
	return 0
}

// attackerBinary is a copy of the test binary that other uids can run (the
// go test build directory is private).
func attackerBinary(t *testing.T) string {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "worker-attacker-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "attacker")
	if err := os.WriteFile(exe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return exe
}

func runAttacker(t *testing.T, pid, uid int) attackReport {
	t.Helper()
	exe := attackerBinary(t)
	cmd := exec.Command(exe)
	cmd.Env = []string{attackEnv + "=" + strconv.Itoa(pid)}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(uid)}}
	cmd.Dir = "/"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("attacker as uid %d: %v", uid, err)
	}
	var r attackReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("attacker output %q: %v", out, err)
	}
	return r
}

// TestOutsideAttacker: another process of the worker's host uid (65534:
// the sandbox maps its root there) cannot ptrace the worker or open its
// memory (the worker's credentials live in a user namespace the attacker
// holds no capability over; and the worker is not dumpable). This machine
// has no Yama, so nothing else stands in the way. It can signal it: kill(2)
// only compares uids (the documented gap); a process of another
// unprivileged uid cannot, so Config.HostUID closes the gap.
func TestOutsideAttacker(t *testing.T) {
	asroot.Require(t, "the attacker runs as the worker's host uid 65534; rootless, the worker is the caller's own uid, which may ptrace it")
	w := start(t, worker.Config{Args: []string{"--ready"}, Ready: true})
	pid := w.Pid()
	var st unix.Stat_t
	if err := unix.Stat(fmt.Sprintf("/proc/%d", pid), &st); err != nil {
		t.Fatal(err)
	}
	same := runAttacker(t, pid, sandbox.DefaultHostID)
	if same.UID != sandbox.DefaultHostID {
		t.Fatalf("attacker uid %d", same.UID)
	}
	if same.Ptrace != "EPERM" {
		t.Errorf("same uid: PTRACE_ATTACH: %s, want EPERM", same.Ptrace)
	}
	if same.Mem != "EACCES" && same.Mem != "EPERM" {
		t.Errorf("same uid: open /proc/%d/mem: %s, want EACCES", pid, same.Mem)
	}
	if same.ProcEnvir != "EACCES" && same.ProcEnvir != "EPERM" {
		t.Errorf("same uid: read /proc/%d/environ: %s, want EACCES", pid, same.ProcEnvir)
	}
	// The gap: same uid may signal (see the package doc of worker).
	if same.Kill != "ok" {
		t.Errorf("same uid: kill(pid, 0): %s; the kernel now refuses: update the documented gap", same.Kill)
	}
	other := runAttacker(t, pid, 54321)
	if other.Kill != "EPERM" || other.Ptrace != "EPERM" || (other.Mem != "EACCES" && other.Mem != "EPERM") {
		t.Errorf("other uid: %+v, want EPERM everywhere", other)
	}
	// A worker with a host uid of its own cannot be signalled by 65534.
	own := start(t, worker.Config{Args: []string{"--ready"}, Ready: true, HostUID: 54320})
	if r := runAttacker(t, own.Pid(), sandbox.DefaultHostID); r.Kill != "EPERM" || r.Ptrace != "EPERM" {
		t.Errorf("worker with HostUID 54320, attacker 65534: %+v, want EPERM", r)
	}
	if r := runAttacker(t, own.Pid(), 54320); r.Ptrace != "EPERM" || (r.Mem != "EACCES" && r.Mem != "EPERM") {
		t.Errorf("worker with HostUID 54320, attacker 54320: %+v, want no ptrace, no mem", r)
	}
	// The supervisor (this process) can: Close kills the sandbox.
	if got := call(t, w, pngBytes(t, 4, 4)); !strings.HasPrefix(got, "ok ") {
		t.Fatalf("after the attacks: %q", got)
	}
	w.Close()
	if alive(pid) {
		t.Errorf("worker %d alive after Close", pid)
	}
}

// TestDiedWhileIdle: a worker killed between requests is replaced before
// the next request is sent, which then succeeds.
func TestDiedWhileIdle(t *testing.T) {
	w := start(t, worker.Config{})
	pid := w.Pid()
	if err := unix.Kill(pid, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); alive(pid) && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	if got := call(t, w, pngBytes(t, 5, 6)); got != "ok width=5 height=6 depth=8 colour=6" {
		t.Errorf("after an idle death: %q", got)
	}
	if w.Restarts() != 1 || w.Pid() == pid {
		t.Errorf("restarts %d, pid %d (was %d)", w.Restarts(), w.Pid(), pid)
	}
}

func TestPool(t *testing.T) {
	pl, err := worker.NewPool(worker.Config{Binary: pngWorker}, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req := pngBytes(t, i+1, 2*i+1)
			if i%10 == 3 {
				req = []byte("EVILs")
			}
			reply, err := pl.Call(context.Background(), req)
			if i%10 == 3 {
				var we *worker.Error
				if !errors.As(err, &we) || we.Syscall != "socket" {
					errs <- fmt.Errorf("request %d: %v, want a socket kill", i, err)
				}
				return
			}
			want := fmt.Sprintf("ok width=%d height=%d depth=8 colour=6", i+1, 2*i+1)
			if err != nil || string(reply) != want {
				errs <- fmt.Errorf("request %d: %q, %v", i, reply, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// TestRootless runs the parse and malicious-input tests again as an
// unprivileged user (uid 1000, or the caller when it is not root): the
// sandbox then maps its root to the caller's own uid through the user
// namespace.
func TestRootless(t *testing.T) {
	exe := attackerBinary(t)
	cmd := exec.Command(exe, "-test.run", "^(TestParse|TestMaliciousInput|TestCrashAndTimeout)$", "-test.count", "1", "-test.v")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/tmp"}
	who := fmt.Sprintf("uid %d", os.Geteuid())
	if os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 1000, Gid: 1000}}
		who = "uid 1000"
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("as %s: %v\n%s", who, err, out)
	}
	for _, name := range []string{"TestParse", "TestMaliciousInput", "TestCrashAndTimeout"} {
		if !bytes.Contains(out, []byte("--- PASS: "+name)) {
			t.Errorf("as %s: %s did not pass:\n%s", who, name, out)
		}
	}
}

// TestCgroupLimits: with Config.Limits the worker runs inside a cgroup of
// its sandbox, and still works. Rootless, with no delegated cgroup, Start
// refuses rather than run the worker unlimited.
func TestCgroupLimits(t *testing.T) {
	limits := cgroup.Limits{MemoryBytes: 64 << 20, Pids: 16}
	if os.Geteuid() != 0 {
		if w, err := worker.Start(worker.Config{Binary: pngWorker, Limits: limits}); err == nil {
			w.Close()
			t.Fatal("rootless Start with cgroup limits succeeded; want a refusal (no delegated cgroup)")
		} else if !strings.Contains(err.Error(), "cgroup") {
			t.Errorf("rootless Start with cgroup limits: %v, want a refusal that names the cgroup", err)
		}
		return
	}
	w := start(t, worker.Config{Limits: limits})
	if got := call(t, w, pngBytes(t, 8, 8)); got != "ok width=8 height=8 depth=8 colour=6" {
		t.Errorf("reply %q", got)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", w.Pid()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "/run-") {
		t.Errorf("worker's cgroups %q: not in a sandbox group", b)
	}
	// A malicious request is still killed and named.
	if _, err := w.Call(context.Background(), []byte("EVILs")); err == nil || !strings.Contains(err.Error(), "socket denied") {
		t.Errorf("EVILs: %v", err)
	}
}
