package sandbox_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/sandbox"
	"golang.org/x/sys/unix"
)

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(runHelper(h))
	}
	if os.Getenv(superviseEnv) != "" {
		os.Exit(supervise())
	}
	os.Exit(checkPreforkTaken(m.Run()))
}

const (
	retKillProcess = 0x80000000
	retUserNotif   = 0x7fc00000
	retAllow       = 0x7fff0000
	retErrnoEPERM  = 0x00050000 | 1
	auditArchAMD64 = 0xc000003e
)

// filterExcept is a small seccomp program: kill foreign ABIs, return ret
// for syscall nr, allow the rest. The policy compiler is tested on its own;
// here the runner is under test.
func filterExcept(nr int, ret uint32) []byte {
	jeq := uint16(bpf.ClassJMP | bpf.JmpJEQ | bpf.SrcK)
	return bpf.Marshal([]bpf.Instruction{
		bpf.Stmt(bpf.OpLdAbsW, bpf.OffsetArch),
		bpf.Jump(jeq, auditArchAMD64, 1, 0),
		bpf.Stmt(bpf.OpRetK, retKillProcess),
		bpf.Stmt(bpf.OpLdAbsW, bpf.OffsetNr),
		bpf.Jump(jeq, uint32(nr), 0, 1),
		bpf.Stmt(bpf.OpRetK, ret),
		bpf.Stmt(bpf.OpRetK, retAllow),
	})
}

// blockedNr is the syscall the test filters act on: acct, which nothing
// in a test calls by accident.
const blockedNr = unix.SYS_ACCT

var allowButAcctKills = filterExcept(blockedNr, retKillProcess)

// helperCmd runs this test binary inside a sandbox as helper name.
func helperCmd(t testing.TB, name string, args ...string) (*sandbox.Cmd, *bytes.Buffer) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := sandbox.Command(exe, args...)
	c.Env = []string{helperEnv + "=" + name}
	c.Config.Filter = allowButAcctKills
	c.Config.Mounts = []sandbox.Mount{{Kind: sandbox.MountROBind, Source: exe}}
	var out bytes.Buffer
	c.Stdout = &out
	c.Stderr = &testWriter{t: t}
	return c, &out
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Logf("sandbox stderr: %s", strings.TrimSpace(string(p)))
	return len(p), nil
}

func exitErr(t *testing.T, err error) *sandbox.ExitError {
	t.Helper()
	var ee *sandbox.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("want *ExitError, got %T %v", err, err)
	}
	return ee
}

func TestSandboxExitStatus(t *testing.T) {
	for _, tc := range []struct {
		helper string
		args   []string
		code   int
		sig    syscall.Signal
	}{
		{"exit", []string{"0"}, 0, 0},
		{"exit", []string{"3"}, 3, 0},
		{"exit", []string{"255"}, 255, 0},
		{"killself", nil, 128 + 9, syscall.SIGKILL},
	} {
		t.Run(fmt.Sprint(tc.helper, tc.args), func(t *testing.T) {
			c, _ := helperCmd(t, tc.helper, tc.args...)
			err := c.Run()
			if c.ExitCode() != tc.code {
				t.Errorf("ExitCode() = %d, want %d (err %v)", c.ExitCode(), tc.code, err)
			}
			if tc.code == 0 {
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				return
			}
			ee := exitErr(t, err)
			if ee.Code != tc.code || ee.Signal != tc.sig || ee.Reason != sandbox.ReasonNone {
				t.Errorf("got %+v, want code %d signal %v no reason", ee, tc.code, tc.sig)
			}
		})
	}
}

func TestSandboxSeccompKillReported(t *testing.T) {
	c, out := helperCmd(t, "blocked")
	ee := exitErr(t, c.Run())
	if ee.Reason != sandbox.ReasonSeccomp || ee.Signal != syscall.SIGSYS || ee.Code != 128+31 {
		t.Fatalf("got %+v (%v), want seccomp SIGSYS 159", ee, ee)
	}
	if !strings.Contains(ee.Error(), "killed by seccomp: SIGSYS") {
		t.Errorf("message %q", ee.Error())
	}
	if strings.Contains(out.String(), "blocked=") {
		t.Errorf("getppid returned: %s", out)
	}
}

func TestSandboxFacts(t *testing.T) {
	t.Setenv("RINGFENCE_SECRET", "hunter2")
	t.Setenv("LC_TIME", "C")
	// The working directory: bound read-only, with a marker to read.
	cwd := t.TempDir()
	os.Chmod(cwd, 0o755)
	if err := os.WriteFile(filepath.Join(cwd, "marker"), []byte("visible"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A file in the host's /tmp that the private /tmp must not show.
	hostTmp, err := os.CreateTemp("", "ringfence-host-marker")
	if err != nil {
		t.Fatal(err)
	}
	hostTmp.Close()
	defer os.Remove(hostTmp.Name())

	c, out := helperCmd(t, "facts", "/", "/etc", "/tmp", "/dev/shm", cwd, "/root", "/home")
	c.Dir = cwd
	c.Env = append(c.Env, "EXPLICIT=1")
	if err := c.Run(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var f facts
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatalf("facts: %v\n%s", err, out)
	}
	for _, n := range nsNames {
		host, _ := os.Readlink("/proc/self/ns/" + n)
		if f.NS[n] == "" || f.NS[n] == host {
			t.Errorf("namespace %s: inside %q, host %q: want a new one", n, f.NS[n], host)
		}
	}
	for _, k := range []string{"CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"} {
		if f.Status[k] != "0000000000000000" {
			t.Errorf("%s = %q, want all zero", k, f.Status[k])
		}
	}
	if f.Status["NoNewPrivs"] != "1" || f.Status["Seccomp"] != "2" {
		t.Errorf("NoNewPrivs %q Seccomp %q, want 1 and 2", f.Status["NoNewPrivs"], f.Status["Seccomp"])
	}
	var hostBoot unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &hostBoot)
	if f.BootSeconds > 5 || hostBoot.Sec < 10 && f.BootSeconds >= hostBoot.Sec {
		t.Errorf("CLOCK_BOOTTIME inside %d s (host %d s): want the time namespace to start it near 0", f.BootSeconds, hostBoot.Sec)
	}
	if f.Dumpable != 0 {
		t.Errorf("PR_GET_DUMPABLE = %d, want 0 (CMD made not dumpable after execve)", f.Dumpable)
	}
	if f.Status["PPid"] != "1" {
		t.Errorf("PPid = %q, want 1 (the init)", f.Status["PPid"])
	}
	if len(f.Ifaces) != 1 || !f.Ifaces["lo"] {
		t.Errorf("interfaces %v, want only lo, up", f.Ifaces)
	}
	if f.UID != 0 || f.GID != 0 || f.Hostname != "ringfence" {
		t.Errorf("uid %d gid %d hostname %q", f.UID, f.GID, f.Hostname)
	}
	for _, kv := range f.Env {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains([]string{"PATH", "HOME", "TERM", "LANG", "LC_TIME", "EXPLICIT", helperEnv}, k) {
			t.Errorf("environment leaks %s", kv)
		}
	}
	if !slices.Contains(f.Env, "LC_TIME=C") || !slices.Contains(f.Env, "EXPLICIT=1") {
		t.Errorf("allowlisted or explicit variables missing: %v", f.Env)
	}
	wantWrites := map[string]string{"/": "EROFS", "/etc": "EROFS", "/tmp": "ok", "/dev/shm": "ok", cwd: "EROFS", "/root": "EROFS", "/home": "EROFS"}
	for p, want := range wantWrites {
		if f.Writes[p] != want {
			t.Errorf("write under %s: %s, want %s", p, f.Writes[p], want)
		}
	}
	if f.Cwd != cwd || f.Reads["cwd/marker"] != "visible" {
		t.Errorf("cwd %q marker %q: want %q readable", f.Cwd, f.Reads["cwd/marker"], cwd)
	}
	if !slices.Equal(f.Lists["/sys/class/net"], []string{"lo"}) {
		t.Errorf("/sys/class/net lists %v, want only lo (a sysfs of the sandbox's network namespace)", f.Lists["/sys/class/net"])
	}
	if len(f.Lists["/root"]) != 0 || len(f.Lists["/run"]) != 0 {
		t.Errorf("/root %v /run %v: want empty", f.Lists["/root"], f.Lists["/run"])
	}
	for _, n := range f.Lists["/tmp"] {
		if n == filepath.Base(hostTmp.Name()) {
			t.Errorf("the host's /tmp is visible inside: %v", f.Lists["/tmp"])
		}
	}
	// Landlock: /proc/self/comm is writable by mount and by DAC; only the
	// Landlock rules (writes only in writable places) deny it. Its signal
	// scope keeps CMD from signalling the init, outside its domain.
	if f.ProcComm != "EACCES" {
		t.Errorf("write /proc/self/comm: %s, want EACCES from Landlock", f.ProcComm)
	}
	if f.KillInit != "EPERM" {
		t.Errorf("kill(1, 0): %s, want EPERM from Landlock's signal scope", f.KillInit)
	}
}

// TestSandboxLandlockOff checks the Landlock assertions of TestSandboxFacts
// can fail: without Landlock the same writes succeed.
func TestSandboxLandlockOff(t *testing.T) {
	c, out := helperCmd(t, "facts")
	c.Config.Landlock = sandbox.LandlockOff
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	var f facts
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	if f.ProcComm != "ok" || f.KillInit != "ok" {
		t.Errorf("without Landlock: comm %s kill %s, want ok ok", f.ProcComm, f.KillInit)
	}
	// Even without Landlock, the init (not dumpable) keeps its fds and
	// memory from CMD.
	if f.InitFDs != "EACCES" || f.InitMem != "EACCES" {
		t.Errorf("without Landlock: readlink /proc/1/fd/0: %s, open /proc/1/mem: %s; want EACCES", f.InitFDs, f.InitMem)
	}
}

func TestSandboxNoExecFromWritable(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	b, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "true"), b, 0o755); err != nil {
		t.Fatal(err)
	}
	c, out := helperCmd(t, "exec", "/tmp/rw/true")
	c.Config.Mounts = append(c.Config.Mounts, sandbox.Mount{Kind: sandbox.MountBind, Source: dir, Dest: "/tmp/rw"})
	c.Log = quietLog()
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "EACCES" {
		t.Errorf("exec from a writable bind: %q, want EACCES", got)
	}
	// The program itself in a writable place: refused by the exec stage.
	c2 := sandbox.Command("/tmp/rw/true")
	c2.Config.Filter = allowButAcctKills
	c2.Config.Mounts = []sandbox.Mount{{Kind: sandbox.MountBind, Source: dir, Dest: "/tmp/rw"}}
	c2.Log = quietLog()
	err = c2.Run()
	var se *sandbox.StageError
	if !errors.As(err, &se) || se.Stage != "exec" || !errors.Is(err, syscall.EACCES) {
		t.Errorf("Run /tmp/rw/true: %v, want stage exec EACCES", err)
	}
}

// TestSandboxFDsClosed: only 0, 1 and 2 reach CMD, even when the caller
// holds an fd without close-on-exec. ls lists its own /proc/self/fd, which
// it holds open as fd 3.
func TestSandboxFDsClosed(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	leak, err := unix.Dup(int(w.Fd())) // no O_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(leak)
	c := sandbox.Command("/bin/ls", "/proc/self/fd")
	c.Config.Filter = allowButAcctKills
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(out.String()); !slices.Equal(got, []string{"0", "1", "2", "3"}) {
		t.Errorf("fds inside %v, want 0 1 2 and ls's own 3 (the caller held %d)", got, leak)
	}
}

func TestSandboxZombiesReaped(t *testing.T) {
	c, out := helperCmd(t, "orphans")
	if err := c.Run(); err != nil {
		t.Fatalf("Run: %v (%s)", err, out)
	}
	if got := strings.TrimSpace(out.String()); got != "zombies=0" {
		t.Errorf("%s, want zombies=0", got)
	}
}

func TestSandboxTimeout(t *testing.T) {
	c, _ := helperCmd(t, "sleep")
	c.Config.Timeout = 300 * time.Millisecond
	t0 := time.Now()
	ee := exitErr(t, c.Run())
	if ee.Reason != sandbox.ReasonTimeout || ee.Code != 137 {
		t.Errorf("got %+v, want timeout 137", ee)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// TestSandboxMemoryLimit: a memory hog dies by the OOM killer of its
// cgroup, and the reason says so. Rootless (no delegated cgroup here), the
// limit cannot be enforced and Start must refuse, naming it.
func TestSandboxMemoryLimit(t *testing.T) {
	c, _ := helperCmd(t, "hog")
	c.Config.Limits.MemoryBytes = 64 << 20
	if os.Geteuid() != 0 {
		err := c.Start()
		if err == nil {
			c.Signal(syscall.SIGKILL)
			c.Wait()
			t.Fatal("rootless Start with a memory limit succeeded; want a refusal")
		}
		if !strings.Contains(err.Error(), "memory") {
			t.Errorf("refusal %q does not name the memory limit", err)
		}
		return
	}
	ee := exitErr(t, c.Run())
	if ee.Reason != sandbox.ReasonMemory || ee.Signal != syscall.SIGKILL {
		t.Errorf("got %+v (%v), want memory SIGKILL", ee, ee)
	}
	// No cgroup of ours is left behind.
	left, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/*/ringfence/run-%d-*", os.Getpid()))
	left2, _ := filepath.Glob(fmt.Sprintf("/sys/fs/cgroup/ringfence/run-%d-*", os.Getpid()))
	if len(left)+len(left2) > 0 {
		t.Errorf("cgroups left behind: %v %v", left, left2)
	}
}

func TestSandboxCPUTime(t *testing.T) {
	c := sandbox.Command("/bin/sh", "-c", "while :; do :; done")
	c.Config.Filter = allowButAcctKills
	c.Config.Rlimits.CPUTime = 1
	ee := exitErr(t, c.Run())
	if ee.Reason != sandbox.ReasonCPUTime {
		t.Errorf("got %+v (%v), want cpu-time", ee, ee)
	}
}

func TestSandboxSignalForwarded(t *testing.T) {
	c, _ := helperCmd(t, "term")
	pr, pw := io.Pipe()
	c.Stdout = pw
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(pr).ReadString('\n')
	if line != "ready\n" {
		t.Fatalf("helper said %q", line)
	}
	go io.Copy(io.Discard, pr)
	if err := c.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := c.Wait()
	pw.Close()
	if ee := exitErr(t, err); ee.Code != 42 {
		t.Errorf("got %+v, want exit 42 from the helper's SIGTERM handler", ee)
	}
}

func TestSandboxRlimitsAndKeepFD(t *testing.T) {
	c, out := helperCmd(t, "facts")
	c.Config.Rlimits.Nofile = 64
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	var f facts
	json.Unmarshal(out.Bytes(), &f)
	if f.RlimNofile != 64 {
		t.Errorf("RLIMIT_NOFILE %d, want 64", f.RlimNofile)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := int(w.Fd())
	c, out = helperCmd(t, "fd", strconv.Itoa(fd))
	c.Config.KeepFDs = []int{fd}
	c.Log = quietLog()
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "ok" {
		t.Errorf("kept fd %d inside: %s, want ok", fd, got)
	}
	c, out = helperCmd(t, "fd", strconv.Itoa(fd))
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "EBADF" {
		t.Errorf("fd %d not kept, inside: %s, want EBADF", fd, got)
	}
}

func TestSandboxRefusals(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*sandbox.Cmd)
		want string
	}{
		{"no filter", func(c *sandbox.Cmd) { c.Config.Filter = nil }, "no seccomp filter"},
		{"execve denied", func(c *sandbox.Cmd) { c.Config.Filter = filterExcept(unix.SYS_EXECVE, retErrnoEPERM) }, "does not allow execve"},
		{"missing program", func(c *sandbox.Cmd) { c.Path = "no-such-program-here"; c.Args = []string{c.Path} }, "not found in the sandbox's PATH"},
		{"bind missing source", func(c *sandbox.Cmd) {
			c.Config.Mounts = append(c.Config.Mounts, sandbox.Mount{Kind: sandbox.MountROBind, Source: "/no/such/dir"})
		}, "/no/such/dir"},
		{"mount point in read-only root", func(c *sandbox.Cmd) {
			c.Config.Mounts = append(c.Config.Mounts, sandbox.Mount{Kind: sandbox.MountTmpfs, Dest: "/usr/no-such-dir"})
		}, "read-only root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := helperCmd(t, "exit", "0")
			tc.edit(c)
			err := c.Start()
			if err == nil {
				c.Wait()
				t.Fatalf("Start succeeded, want an error containing %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestSandboxNotifyListener(t *testing.T) {
	c, out := helperCmd(t, "blocked")
	c.Config.Filter = filterExcept(blockedNr, retUserNotif)
	c.Config.Notify = true
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	if c.NotifyFD == nil {
		t.Fatal("no NotifyFD")
	}
	defer c.NotifyFD.Close()
	// struct seccomp_notif (80 bytes) and seccomp_notif_resp (24 bytes).
	var req [80]byte
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, c.NotifyFD.Fd(), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafePtr(&req[0]))); e != 0 {
		t.Fatalf("NOTIF_RECV: %v", e)
	}
	nr := int32(leU32(req[16:]))
	if nr != blockedNr {
		t.Errorf("notification for syscall %d, want acct %d", nr, blockedNr)
	}
	var resp [24]byte
	copy(resp[0:8], req[0:8]) // id
	putLeU64(resp[8:], 4242)  // val
	if _, _, e := unix.Syscall(unix.SYS_IOCTL, c.NotifyFD.Fd(), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafePtr(&resp[0]))); e != 0 {
		t.Fatalf("NOTIF_SEND: %v", e)
	}
	if err := c.Wait(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "blocked=4242 errno=0" {
		t.Errorf("helper saw %q, want the supervisor's answer 4242", got)
	}
}

func leU32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func putLeU64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

// superviseEnv makes the test binary a supervisor that starts a sleeping
// sandbox, prints the init's pid and waits to be killed.
const superviseEnv = "RINGFENCE_TEST_SUPERVISE"

func supervise() int {
	// A secret made here, on the Go heap: TestSandboxPrefork looks for it
	// in the init's memory.
	secret := make([]byte, 16)
	rand.Read(secret)
	heapSecret := hex.EncodeToString(secret)
	c, _ := helperCmd(nopTB{}, "sleep")
	if err := c.Start(); err != nil {
		fmt.Println("error:", err)
		return 1
	}
	if os.Getenv("RINGFENCE_PREFORK") == "1" && !sandbox.PreforkTaken() {
		fmt.Println("error: the sandbox did not take the preforked init")
		return 1
	}
	fmt.Println(c.Pid(), heapSecret)
	c.Wait()
	return 0
}

type nopTB struct{ testing.TB }

func (nopTB) Helper()                      {}
func (nopTB) Fatal(args ...any)            { panic(fmt.Sprint(args...)) }
func (nopTB) Logf(format string, a ...any) {}

func TestSandboxDiesWithParent(t *testing.T) {
	exe, _ := os.Executable()
	sup := exec.Command(exe)
	sup.Env = append(os.Environ(), superviseEnv+"=1")
	stdout, _ := sup.StdoutPipe()
	if err := sup.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		sup.Process.Kill()
		t.Fatalf("supervisor: %v %q", err, line)
	}
	initPid, err := strconv.Atoi(strings.Fields(line + " x")[0])
	if err != nil {
		sup.Process.Kill()
		t.Fatalf("supervisor said %q", line)
	}
	// CMD's pid namespace: the init's own /proc entries are closed to a
	// rootless supervisor (the init is not dumpable, and its memory belongs
	// to the host's user namespace: it was forked, not executed).
	kids, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", initPid, initPid))
	cmdPid, _ := strconv.Atoi(strings.TrimSpace(string(kids)))
	pidNS, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", cmdPid))
	if err != nil {
		sup.Process.Kill()
		t.Fatalf("CMD (children of the init: %q): %v", kids, err)
	}
	if n := countInNS(pidNS); n < 1 || syscall.Kill(initPid, 0) != nil {
		t.Fatalf("before the kill: %d processes seen in the sandbox's pid namespace (want CMD), init alive: %v", n, syscall.Kill(initPid, 0))
	}
	sup.Process.Signal(syscall.SIGKILL)
	sup.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for countInNS(pidNS) > 0 || syscall.Kill(initPid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("processes of %s still alive 5 s after the supervisor was killed", pidNS)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countInNS counts host processes in the pid namespace ns (zombies too).
func countInNS(ns string) int {
	n := 0
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		if l, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err == nil && l == ns {
			n++
		}
	}
	return n
}

// TestRootless runs this package's sandbox tests again as an unprivileged
// user: nobody when started as root, from a copy of the test binary that
// nobody can read; otherwise the caller itself.
func TestRootless(t *testing.T) {
	root := os.Geteuid() == 0
	exe, _ := os.Executable()
	dir, err := os.MkdirTemp("", "ringfence-rootless")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	os.Chmod(dir, 0o755)
	if root {
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	copyExe := filepath.Join(dir, "sandbox.test")
	if err := os.WriteFile(copyExe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	c := exec.Command(copyExe, "-test.run=^TestSandbox", "-test.v", "-test.count=1")
	c.Dir = dir
	c.Env = []string{"PATH=/usr/bin:/bin", "HOME=/", "TMPDIR=" + dir}
	if root {
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := c.CombinedOutput()
	t.Logf("rootless run:\n%s", out)
	if err != nil {
		t.Fatalf("rootless suite failed: %v", err)
	}
	if bytes.Contains(out, []byte("--- FAIL")) || !bytes.Contains(out, []byte("--- PASS: TestSandboxFacts")) {
		t.Fatalf("rootless suite did not pass")
	}
}

func TestProbe(t *testing.T) {
	cfg := &sandbox.Config{Filter: allowButAcctKills}
	r := sandbox.Probe(cfg)
	if r.Refusal != "" {
		t.Fatalf("default config refused: %s", r.Refusal)
	}
	got := map[string]sandbox.Layer{}
	for _, l := range r.Layers {
		got[l.Name] = l
	}
	for _, name := range []string{"namespaces", "identity", "filesystem", "landlock", "seccomp", "capabilities", "no_new_privs", "network", "cgroup", "rlimits"} {
		l, ok := got[name]
		if !ok {
			t.Errorf("no %s layer", name)
			continue
		}
		if !l.OK {
			t.Errorf("layer %s not OK on this machine: %+v", name, l)
		}
	}
	if !strings.Contains(got["landlock"].Enforced, "ABI") {
		t.Errorf("landlock layer %+v: want the ABI", got["landlock"])
	}
	if !strings.Contains(got["seccomp"].Detail, "kill_process") {
		t.Errorf("seccomp layer %+v: want the kernel's actions", got["seccomp"])
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
	// A refusal shows up in the report as it would in Start.
	r = sandbox.Probe(&sandbox.Config{})
	if !strings.Contains(r.Refusal, "no seccomp filter") {
		t.Errorf("Probe of a config without a filter: refusal %q", r.Refusal)
	}
	r = sandbox.Probe(&sandbox.Config{Filter: allowButAcctKills, Limits: cgroupLimits(64 << 20)})
	var cg sandbox.Layer
	for _, l := range r.Layers {
		if l.Name == "cgroup" {
			cg = l
		}
	}
	if os.Geteuid() == 0 && (!cg.OK || !strings.Contains(cg.Enforced, "memory")) {
		t.Errorf("as root, memory limit layer %+v, want enforced", cg)
	}
	if os.Geteuid() != 0 && (cg.OK || r.Refusal == "") {
		t.Errorf("rootless, memory limit layer %+v refusal %q, want not enforceable", cg, r.Refusal)
	}
}

// TestSandboxParallel starts 50 sandboxes at once: every exit status must
// come back right, and no process or fd of a sandbox may outlive its run.
func TestSandboxParallel(t *testing.T) {
	n := 50
	if testing.Short() {
		n = 10
	}
	fdsBefore := countFDs(t)
	mountsBefore, _ := os.ReadFile("/proc/self/mountinfo")
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			c, _ := helperCmd(t, "exit", strconv.Itoa(i%7))
			err := c.Run()
			if c.ExitCode() != i%7 {
				errs <- fmt.Errorf("sandbox %d: exit code %d, want %d (err %v)", i, c.ExitCode(), i%7, err)
				return
			}
			errs <- nil
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if after := countFDs(t); after != fdsBefore {
		t.Errorf("supervisor fds: %d before, %d after", fdsBefore, after)
	}
	if left := childrenOf(os.Getpid()); len(left) > 0 {
		t.Errorf("processes left behind: %v", left)
	}
	if mountsAfter, _ := os.ReadFile("/proc/self/mountinfo"); !bytes.Equal(mountsBefore, mountsAfter) {
		t.Errorf("the host's mount table changed:\nbefore:\n%s\nafter:\n%s", mountsBefore, mountsAfter)
	}
}

func countFDs(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// childrenOf lists the live children of pid (all its threads).
func childrenOf(pid int) []string {
	var out []string
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		out = append(out, strings.Fields(string(b))...)
	}
	return out
}

// TestSandboxUID runs CMD as a non-root id inside (the init keeps its
// namespace capabilities as ambient ones; the gate drops them all).
func TestSandboxUID(t *testing.T) {
	c, out := helperCmd(t, "facts", "/tmp")
	c.Config.UID, c.Config.GID = 1000, 1000
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	var f facts
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if f.UID != 1000 || f.GID != 1000 {
		t.Errorf("uid %d gid %d, want 1000 1000", f.UID, f.GID)
	}
	for _, k := range []string{"CapEff", "CapPrm", "CapBnd", "CapAmb", "CapInh"} {
		if f.Status[k] != "0000000000000000" {
			t.Errorf("%s = %q, want all zero", k, f.Status[k])
		}
	}
	if f.Writes["/tmp"] != "ok" {
		t.Errorf("write /tmp as uid 1000: %s", f.Writes["/tmp"])
	}
}

// TestSandboxTTY: with TTY, CMD's stdio is a pty that is its controlling
// terminal, fed from the caller's stdin through the supervisor.
func TestSandboxTTY(t *testing.T) {
	c, out := helperCmd(t, "tty")
	c.Config.TTY = true
	c.Stdin = strings.NewReader("hello\n")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "isatty=ok devtty=ok got=hello name=/dev/pts/0") {
		t.Errorf("output %q: want a terminal on stdin, a controlling terminal, the line, and the terminal named /dev/pts/0 (the sandbox's own devpts)", out)
	}
	// Without TTY: a new session with no controlling terminal at all.
	c, out = helperCmd(t, "tty")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(out.String()); got != "isatty=ENOTTY devtty=ENXIO got= name=/dev/null" {
		t.Errorf("without TTY: %q, want no terminal and no controlling terminal", got)
	}
}

// TestSandboxRootFS uses a directory as / (an OCI bundle's rootfs): only
// what it holds is visible, with the usual /proc, /dev and /tmp on top.
func TestSandboxRootFS(t *testing.T) {
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatal("needs a static /bin/busybox: apt-get install busybox-static (scripts/setup does)")
	}
	root := t.TempDir()
	os.Chmod(root, 0o755)
	for _, d := range []string{"bin", "proc", "dev", "tmp", "etc"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "etc", "marker"), []byte("rootfs"), 0o644)
	c := sandbox.Command("/bin/busybox", "sh", "-c", "cat /etc/marker; echo; busybox ls /; busybox touch /etc/x 2>&1 || true")
	c.Config.RootFS = root
	c.Config.Filter = allowButAcctKills
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Run(); err != nil {
		t.Fatalf("Run: %v\n%s", err, out.String())
	}
	got := out.String()
	if !strings.HasPrefix(got, "rootfs\n") || strings.Contains(got, "usr") || !strings.Contains(got, "Read-only file system") {
		t.Errorf("inside the rootfs:\n%s\nwant its marker, no host /usr, a read-only /", got)
	}
}

// TestSandboxLoosenings: --seccomp=off and --net host do what they say, and
// each is logged.
func TestSandboxLoosenings(t *testing.T) {
	c, out := helperCmd(t, "facts")
	c.Config.Filter = nil
	c.Config.SeccompOff = true
	c.Config.Net = sandbox.NetHost
	c.Config.Hostname = "box"
	var logBuf bytes.Buffer
	c.Log = slog.New(slog.NewTextHandler(&logBuf, nil))
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	var f facts
	if err := json.Unmarshal(out.Bytes(), &f); err != nil {
		t.Fatal(err)
	}
	hostNet, _ := os.Readlink("/proc/self/ns/net")
	if f.Status["Seccomp"] != "0" || f.NS["net"] != hostNet || f.Hostname != "box" {
		t.Errorf("Seccomp %q net %q (host %q) hostname %q", f.Status["Seccomp"], f.NS["net"], hostNet, f.Hostname)
	}
	for _, want := range []string{"seccomp filter disabled", "host network"} {
		if !strings.Contains(logBuf.String(), want) {
			t.Errorf("log %q does not mention %q", logBuf.String(), want)
		}
	}
}

// TestSandboxNotDumpable: CMD is not dumpable (execve made it so; the init
// clears it at CMD's entry point), so another process of the sandbox, with
// the same uid and no capability (here CMD's own child), cannot open its
// memory; with KeepDumpable it can, which is what the default stops.
func TestSandboxNotDumpable(t *testing.T) {
	for _, keep := range []bool{false, true} {
		c, out := helperCmd(t, "memprobe")
		c.Config.KeepDumpable = keep
		if err := c.Run(); err != nil {
			t.Fatalf("KeepDumpable=%v: %v", keep, err)
		}
		got := strings.TrimSpace(out.String())
		want := "dumpable=0 child-opens-parent-mem=EACCES"
		if keep {
			want = "dumpable=1 child-opens-parent-mem=ok"
		}
		if got != want {
			t.Errorf("KeepDumpable=%v: %q, want %q", keep, got, want)
		}
	}
}

// TestSandboxMlock: with Mlock, CMD's own memory is locked from its first
// instruction (VmLck covers its mappings); without, nothing is. /bin/sh is
// small enough for the usual 8 MiB RLIMIT_MEMLOCK; a program that maps
// more than the limit allows is refused with a message that names it,
// unless the limit could be raised (root with CAP_SYS_RESOURCE).
func TestSandboxMlock(t *testing.T) {
	for _, lock := range []bool{false, true} {
		c := sandbox.Command("/bin/sh", "-c", "grep VmLck /proc/$$/status")
		c.Config.Filter, c.Config.Mlock, c.Log = allowButAcctKills, lock, quietLog()
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		if err := c.Run(); err != nil {
			t.Fatalf("Mlock=%v: %v\n%s", lock, err, out.String())
		}
		var kb int
		if _, err := fmt.Sscanf(strings.TrimSpace(out.String()), "VmLck: %d kB", &kb); err != nil {
			t.Fatalf("sh said %q", out.String())
		}
		if lock && kb < 1024 || !lock && kb != 0 {
			t.Errorf("Mlock=%v: VmLck %d kB, want %s", lock, kb, map[bool]string{true: "its mappings (over 1 MiB)", false: "0"}[lock])
		}
	}
	// This test binary maps far more than 8 MiB.
	c, _ := helperCmd(t, "exit", "0")
	c.Config.Mlock = true
	err := c.Run()
	var rl unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_MEMLOCK, &rl)
	raisable := os.Geteuid() == 0 && hasCap(unix.CAP_SYS_RESOURCE)
	switch {
	case rl.Max == unix.RLIM_INFINITY || raisable:
		if err != nil {
			t.Errorf("a large program under Mlock with an unlimited (or raisable) RLIMIT_MEMLOCK: %v", err)
		}
	case err == nil || !strings.Contains(err.Error(), "RLIMIT_MEMLOCK"):
		t.Errorf("a large program under Mlock with RLIMIT_MEMLOCK %d: %v, want a refusal that names RLIMIT_MEMLOCK", rl.Max, err)
	}
}

// hasCap reports whether this process holds capability c (effective).
func hasCap(c int) bool {
	st, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			n, _ := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return n&(1<<uint(c)) != 0
		}
	}
	return false
}

// TestSandboxNotifyClose: a filter that sends close to the listener (a
// policy that denies close, seen through the reporting form). The
// post-exec steps must close CMD's own copy of the listener through that
// filter: the init answers that one notification itself, and the run goes
// on with the supervisor answering the rest.
func TestSandboxNotifyClose(t *testing.T) {
	c, out := helperCmd(t, "exit", "7")
	c.Config.Filter = filterExcept(unix.SYS_CLOSE, retUserNotif)
	c.Config.Notify = true
	if err := c.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if c.NotifyFD == nil {
		t.Fatal("no NotifyFD")
	}
	defer c.NotifyFD.Close()
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	fd := c.NotifyFD.Fd()
	for answered := 0; ; answered++ {
		select {
		case err := <-done:
			if c.ExitCode() != 7 {
				t.Fatalf("exit %d (%v), want 7; output %q", c.ExitCode(), err, out)
			}
			if answered == 0 {
				t.Error("the helper's own close calls never reached the supervisor")
			}
			return
		default:
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		if n, _ := unix.Poll(pfd, 10); n <= 0 || pfd[0].Revents&unix.POLLIN == 0 {
			continue
		}
		var req [80]byte
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafePtr(&req[0]))); e != 0 {
			continue
		}
		var resp [24]byte
		copy(resp[0:8], req[0:8])
		resp[20] = 1 // flags: SECCOMP_USER_NOTIF_FLAG_CONTINUE
		unix.Syscall(unix.SYS_IOCTL, fd, unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafePtr(&resp[0])))
	}
}
