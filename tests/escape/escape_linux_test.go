package escape

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// runOpts are the settings of one run. The limits apply to the sandboxed
// run only: outside the sandbox there is nothing to enforce them.
type runOpts struct {
	stdin *os.File

	memory  int64 // cgroup memory limit, bytes (--memory)
	pids    int64 // cgroup pids limit (--pids)
	cpuTime uint64
	timeout time.Duration
	tmpfs   map[string]int64 // extra tmpfs mounts: destination -> size (--tmpfs DST:SIZE)

	seccompOff bool // --seccomp=off: what the other layers hold on their own
	tty        bool // --tty: CMD gets a pty the supervisor proxies to stdin/stdout
}

// result is what one run of an attack showed.
type result struct {
	stdout, stderr string
	code           int            // exit status, -1 when killed by a signal
	signal         syscall.Signal // the signal that killed it
	reason         string         // why the sandbox ended it, if it says
	log            string         // the sandbox's own log (warnings)
	err            error          // the run could not even start
}

// verdict returns the attack's verdict word ("ESCAPED", "CONTAINED", or ""
// when it printed none) and its detail.
func (r result) verdict() (string, string) {
	for _, line := range strings.Split(r.stdout, "\n") {
		w, d, _ := strings.Cut(strings.TrimRight(line, "\r"), " ")
		if w == "ESCAPED" || w == "CONTAINED" {
			return w, d
		}
	}
	return "", ""
}

func (r result) String() string {
	var b strings.Builder
	if r.err != nil {
		fmt.Fprintf(&b, "error: %v; ", r.err)
	}
	if r.signal != 0 {
		fmt.Fprintf(&b, "killed by %s", unix.SignalName(r.signal))
		if r.reason != "" {
			fmt.Fprintf(&b, ", reason %s", r.reason)
		}
	} else {
		fmt.Fprintf(&b, "exit %d", r.code)
	}
	fmt.Fprintf(&b, "; stdout %q; stderr %q", strings.TrimSpace(r.stdout), strings.TrimSpace(strings.ReplaceAll(r.stderr, startedLine, "")))
	if r.log != "" {
		fmt.Fprintf(&b, "; sandbox log %q", strings.TrimSpace(r.log))
	}
	return b.String()
}

// startedLine is what every attack writes to stderr first thing (see
// attacks/common.h): proof that it ran at all.
const startedLine = "ATTACK-STARTED\n"

// escaped is true when the attack says so and exits 0.
func (r result) escaped() bool {
	w, _ := r.verdict()
	return r.err == nil && w == "ESCAPED" && r.code == 0
}

// contained is true when the attack ran and failed: it printed CONTAINED and
// exited 1, or it was killed by a signal (by seccomp, a limit, the kernel).
func (r result) contained() error {
	if r.err != nil {
		return fmt.Errorf("the sandbox did not run the attack: %v", r.err)
	}
	// With --tty, stderr comes through the pty into stdout, as "\r\n".
	if !strings.Contains(r.stderr+r.stdout, strings.TrimSpace(startedLine)) {
		return fmt.Errorf("the attack never started (so its containment proves nothing): %v", r)
	}
	w, _ := r.verdict()
	switch {
	case w == "ESCAPED":
		return fmt.Errorf("ESCAPED: %v", r)
	case r.signal != 0:
		return nil
	case w == "CONTAINED" && r.code == 1:
		return nil
	}
	return fmt.Errorf("no verdict (the attack must print CONTAINED and exit 1, or be killed): %v", r)
}

// runHost runs argv on the host, without a sandbox.
func runHost(argv []string, o runOpts) result {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if o.stdin != nil {
		cmd.Stdin = o.stdin
	}
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		r.code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			r.signal = ws.Signal()
		}
	default:
		r.err = err
	}
	return r
}

// env is what an attack's arguments and host checks are made of.
type env struct {
	h         *host
	v         *victim
	sandboxed bool
	tag       string // unique per run: what this run sends to the listeners
	master    *os.File
	slave     *os.File
}

// attack is one row of the suite.
type attack struct {
	name string // subtest name
	prog string // program in attacks/ (default: name)
	args func(e *env) []string
	opts runOpts // sandbox limits for the resource attacks
	tty  bool    // stdin is a pty slave (TIOCSTI)
	leak bool    // a host fd without O_CLOEXEC is open while the run starts

	// missing names a kernel feature without which the attack cannot
	// succeed anywhere, and evidence says whether a failed run outside the
	// sandbox shows that feature missing on this kernel.
	missing  string
	evidence func(r result) bool

	// check inspects the host after the sandboxed run.
	check func(e *env) error
	// undo removes what the successful run outside the sandbox left.
	undo func(e *env)

	// rootless: part of the subset run with the sandbox started by an
	// unprivileged user (uid 65534).
	rootless bool
	// gap, when set, says what this kernel lacks for the sandbox to stop
	// the attack at all ("" when it has it). Only then an escape inside the
	// sandbox is reported as a skip that says ESCAPED and names the
	// missing feature, instead of a failure.
	gap func() string
	// seccompOnly: the seccomp filter is the only layer that stops this
	// attack; TestDepth runs every other attack with --seccomp=off and
	// expects it contained all the same.
	seccompOnly bool
	// depthHostOnly: in TestDepth only the host check counts, because the
	// attack cannot tell whether what it reached is the host's (with --tty,
	// TIOCSTI reaches CMD's own pty).
	depthHostOnly bool
}

func (a attack) program() string {
	if a.prog != "" {
		return a.prog
	}
	return a.name
}

// enosys is the evidence that a syscall does not exist on this kernel.
func enosys(r result) bool {
	_, d := r.verdict()
	return strings.Contains(d, "ENOSYS")
}

func victimIntact(e *env) error { return e.v.intact() }

func hostPID(e *env) []string { return []string{e.v.pid()} }

func none(*env) []string { return nil }

// attacks is the suite. README.md has the same list with what stops each.
var attacks = []attack{
	// Other processes of the host.
	{name: "ptrace_attach", args: hostPID, check: victimIntact, rootless: true},
	{name: "ptrace_seize", args: hostPID, check: victimIntact, rootless: true},
	{name: "ptrace_init", prog: "ptrace_seize", args: func(e *env) []string {
		if e.sandboxed {
			return []string{"1"} // the sandbox's init: it holds every capability of the user namespace
		}
		return hostPID(e)
	}, check: victimIntact, rootless: true},
	{name: "init_fds", args: func(e *env) []string {
		if e.sandboxed {
			return []string{"1"}
		}
		return hostPID(e) // the host's own pid 1 is not dumpable: a host process of ours instead
	}, check: victimIntact, rootless: true},
	{name: "process_vm_readv", args: hostPID, check: victimIntact, rootless: true},
	{name: "proc_mem", args: hostPID, check: victimIntact, rootless: true},
	{name: "kill_host", args: hostPID, check: victimIntact, rootless: true},
	{name: "signal_supervisor", args: func(*env) []string { return []string{fmt.Sprint(os.Getpid())} }, rootless: true},
	{name: "ptrace_sibling", args: none, rootless: true, seccompOnly: true},
	{name: "proc_mem_parent", args: none, rootless: true},
	{name: "seccomp_loosen", args: none, rootless: true, seccompOnly: true},
	{name: "setns", args: hostPID, check: victimIntact},

	// Files of the host.
	{name: "read_root_secret", prog: "read_secret", args: func(e *env) []string { return []string{e.h.rootSecret, e.h.marker} }},
	{name: "read_home_secret", prog: "read_secret", args: func(e *env) []string { return []string{e.h.homeSecret, e.h.marker} }, rootless: true},
	{name: "read_shadow", args: none},
	{name: "write_host", args: func(e *env) []string { return []string{e.h.target} }, check: func(e *env) error {
		if _, err := os.Stat(filepath.Join(e.h.target, "escape-written")); err == nil {
			return fmt.Errorf("the file was created on the host")
		}
		return nil
	}, undo: func(e *env) { os.Remove(filepath.Join(e.h.target, "escape-written")) }, rootless: true},
	{name: "fd_leak", args: func(e *env) []string { return []string{e.h.marker} }, leak: true, rootless: true},
	{name: "proc_self_exe", args: func(e *env) []string { return []string{filepath.Join(e.h.bin, "reopen")} }, rootless: true},
	{name: "open_by_handle", args: func(e *env) []string {
		return []string{fmt.Sprint(e.h.handleType), e.h.handleHex, e.h.marker}
	}},
	{name: "chroot_escape", args: func(e *env) []string { return []string{e.h.rootSecret, e.h.marker} }},
	{name: "pivot_root", args: func(e *env) []string { return []string{fmt.Sprint(e.h.mntNS)} }},
	{name: "mount_tmpfs", args: func(e *env) []string { return []string{e.h.target} }, check: func(e *env) error {
		m, err := hostMounts()
		if err != nil {
			return err
		}
		if m[e.h.target] {
			return fmt.Errorf("%s is a mount point on the host", e.h.target)
		}
		return nil
	}},
	{name: "exec_written", args: func(*env) []string { return []string{"/tmp"} }, rootless: true},
	{name: "exec_memfd", args: none, rootless: true, gap: memfdNoexecUnsettable},
	{name: "mknod", args: func(e *env) []string { return []string{"/tmp"} }},
	{name: "cgroup_escape", args: none},

	// Identity and privilege.
	{name: "setuid_binary", args: func(e *env) []string { return []string{e.h.suidHelper} }},
	{name: "setuid_root", args: none},
	{name: "capset", args: none},
	{name: "userns", args: none, rootless: true, seccompOnly: true},

	// Kernel attack surface and global kernel state.
	{name: "tiocsti", args: func(e *env) []string { return []string{"echo " + e.tag} }, tty: true, check: terminalUntouched, rootless: true, seccompOnly: true},
	{name: "tiocsti_tty", prog: "tiocsti", args: func(e *env) []string { return []string{"echo " + e.tag} }, tty: true, opts: runOpts{tty: true},
		check: terminalUntouched, depthHostOnly: true, rootless: true},
	{name: "int80", args: none, missing: "IA32 emulation (CONFIG_IA32_EMULATION, boot option ia32_emulation)",
		evidence: func(r result) bool { return r.signal == syscall.SIGSEGV || enosys(r) }, rootless: true, seccompOnly: true},
	{name: "x32", args: none, missing: "the x32 ABI (CONFIG_X86_X32_ABI)", evidence: enosys, rootless: true},
	{name: "keyctl", args: none, missing: "CONFIG_KEYS", evidence: enosys, rootless: true, seccompOnly: true},
	{name: "bpf", args: none, missing: "CONFIG_BPF_SYSCALL", evidence: enosys},
	{name: "perf_event_open", args: none, missing: "CONFIG_PERF_EVENTS", evidence: enosys, rootless: true, seccompOnly: true},
	{name: "userfaultfd", args: none, missing: "CONFIG_USERFAULTFD", evidence: enosys, seccompOnly: true},
	{name: "io_uring", args: none, missing: "io_uring (CONFIG_IO_URING, kernel.io_uring_disabled)", evidence: enosys, rootless: true, seccompOnly: true},
	{name: "personality", args: none, rootless: true, seccompOnly: true},
	{name: "finit_module", args: none, missing: "loadable modules (CONFIG_MODULES)", evidence: enosys},
	{name: "kexec_load", args: none, missing: "kexec (CONFIG_KEXEC)", evidence: enosys},
	{name: "reboot", args: none, check: func(e *env) error { return sameFile("/proc/sys/kernel/ctrl-alt-del", e.h.cad) }},
	{name: "swapon", args: none, missing: "swap (CONFIG_SWAP)", evidence: enosys},
	{name: "acct", args: none, missing: "process accounting (CONFIG_BSD_PROCESS_ACCT)", evidence: enosys},
	{name: "clock_settime", args: none},
	{name: "sethostname", args: func(e *env) []string {
		if e.sandboxed {
			return []string{"ringfence-escaped"}
		}
		return []string{e.h.hostname} // outside: the same name, so nothing changes
	}, check: func(e *env) error {
		if n, _ := os.Hostname(); n != e.h.hostname {
			return fmt.Errorf("host name is now %q", n)
		}
		return nil
	}},
	{name: "proc_sys_write", prog: "write_file", args: func(*env) []string { return []string{"/proc/sys/kernel/core_pattern"} }},
	{name: "sys_write", prog: "write_file", args: func(*env) []string { return []string{"/sys/kernel/mm/ksm/run"} }},
	{name: "raw_socket", args: none},
	{name: "syslog", args: none},

	// The network of the host.
	{name: "connect_tcp", args: func(e *env) []string { return []string{fmt.Sprint(e.h.tcpPort), e.tag} }, check: notHeard, rootless: true},
	{name: "connect_unix", args: func(e *env) []string { return []string{e.h.unixPath, e.tag} }, check: notHeard, rootless: true, gap: landlockResolveUnixMissing},
	{name: "connect_abstract", args: func(e *env) []string { return []string{e.h.unixName, e.tag} }, check: notHeard, rootless: true},

	// Resources, under the limit flags.
	{name: "fork_bomb", args: func(*env) []string { return []string{"200"} }, opts: runOpts{pids: 32}, check: noDescendants},
	{name: "memory_bomb", args: func(*env) []string { return []string{"256"} }, opts: runOpts{memory: 64 << 20}},
	{name: "cpu_burn", args: func(*env) []string { return []string{"1.5"} }, opts: runOpts{cpuTime: 1}, rootless: true},
	{name: "cpu_burn_timeout", prog: "cpu_burn", args: func(*env) []string { return []string{"1.5"} }, opts: runOpts{timeout: time.Second}},
	{name: "disk_fill", args: func(e *env) []string {
		if e.sandboxed {
			return []string{"/tmp", "64"}
		}
		return []string{e.h.dir, "64"}
	}, opts: runOpts{tmpfs: map[string]int64{"/tmp": 16 << 20}}, check: func(e *env) error {
		left, _ := filepath.Glob("/tmp/ringfence-fill.*")
		if len(left) > 0 {
			return fmt.Errorf("the host /tmp holds %v", left)
		}
		return nil
	}, rootless: true},
}

// knownGap ends the subtest with a skip when the attack escaped and this
// kernel lacks what the sandbox would need to stop it (attack.gap).
func knownGap(t *testing.T, a attack, r result) {
	if a.gap == nil || !r.escaped() {
		return
	}
	if missing := a.gap(); missing != "" {
		_, d := r.verdict()
		t.Skipf("ESCAPED in the sandbox (%s): kernel lacks %s, so none of the sandbox's layers stops this here; see README.md, Known gap", d, missing)
	}
}

func terminalUntouched(e *env) error {
	if in := ptyInput(e.slave); strings.Contains(in, e.tag) {
		return fmt.Errorf("the host terminal's input holds %q", in)
	}
	return nil
}

func notHeard(e *env) error {
	if e.h.heardFrom(e.tag) {
		return fmt.Errorf("the host listener received %q from the sandbox", e.tag)
	}
	return nil
}

func sameFile(path, want string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if string(b) != want {
		return fmt.Errorf("%s is now %q, was %q", path, b, want)
	}
	return nil
}

// noDescendants checks that the test process has no children left but its
// victims.
func noDescendants(e *env) error {
	deadline := time.Now().Add(3 * time.Second)
	for {
		left := descendants(os.Getpid(), e.h.victims()...)
		if len(left) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("processes left behind: %v", left)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// leakFD opens path without O_CLOEXEC (what a careless supervisor does) and
// returns the closer.
func leakFD(t *testing.T, path string) func() {
	fd, err := syscall.Open(path, syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return func() { syscall.Close(fd) }
}

// TestEscapes runs every attack outside the sandbox (it must escape) and
// inside it (it must be contained, and the host must be untouched).
func TestEscapes(t *testing.T) {
	h := newHost(t)
	rootless := os.Getenv(rootlessEnv) != ""
	sandboxWorks(t, h)
	for _, a := range attacks {
		if rootless && !a.rootless {
			continue // the rootless child runs the subset marked rootless
		}
		t.Run(a.name, func(t *testing.T) {
			argv := func(e *env) []string {
				return append([]string{filepath.Join(h.bin, a.program())}, a.args(e)...)
			}
			// Outside: the attack must work, which shows it is real.
			e := &env{h: h, v: startVictim(t, h), tag: "host-" + randomHex(4)}
			o := runOpts{}
			if a.tty {
				e.master, e.slave = openPty(t)
				o.stdin = e.slave
			}
			var closeLeak func()
			if a.leak {
				closeLeak = leakFD(t, h.leakSecret)
			}
			r := runHost(argv(e), o)
			if closeLeak != nil {
				closeLeak()
			}
			if a.tty {
				ptyInput(e.slave) // drain what the host run injected
			}
			impossible := false // the kernel lacks what the attack needs
			switch {
			case r.escaped():
				_, d := r.verdict()
				t.Log("escaped without the sandbox: " + d)
			case a.missing != "" && a.evidence != nil && a.evidence(r):
				impossible = true
			default:
				t.Fatalf("without the sandbox the attack must escape, to show it is real: %v", r)
			}
			if a.undo != nil {
				a.undo(e)
			}

			// Inside: contained, and the host untouched.
			sandboxLeg(t, h, a, runSandboxed, runOpts{}, "in the sandbox")
			if impossible {
				t.Skipf("kernel lacks %s: the attack cannot run here even without the sandbox (%v)", a.missing, r)
			}
		})
	}
}

// sandboxWorks runs a harmless program in the sandbox first: the suite's
// "contained" verdicts mean something only if the sandbox runs programs at
// all and reports their exit status.
func sandboxWorks(t *testing.T, h *host) {
	t.Helper()
	r := runSandboxed(t, []string{"/bin/sh", "-c", "echo ok; exit 7"}, runOpts{})
	if r.err != nil || r.code != 7 || strings.TrimSpace(r.stdout) != "ok" {
		t.Fatalf("the sandbox does not run a plain shell (want stdout ok, exit 7): %v", r)
	}
}

// TestDepth runs the attacks again in the sandbox with the seccomp filter
// off (--seccomp=off): each one that the filter is not alone in stopping
// must still be contained by the other layers (namespaces, the mount view,
// the unprivileged identity, dropped capabilities, Landlock, limits).
func TestDepth(t *testing.T) {
	h := newHost(t) // the rootless child runs TestEscapes only
	for _, a := range attacks {
		if a.seccompOnly || a.opts.cpuTime != 0 || a.opts.timeout != 0 {
			continue // the CPU limits are no seccomp matter, and slow
		}
		t.Run(a.name, func(t *testing.T) {
			sandboxLeg(t, h, a, runSandboxed, runOpts{seccompOff: true}, "with --seccomp=off")
		})
	}
}

// runner runs argv contained: through the library (runSandboxed) or the
// CLI (runCLI).
type runner func(t testing.TB, argv []string, o runOpts) result

// sandboxLeg runs attack a contained by run, with a's own options plus
// extra, and checks the verdict and the host. label says how it ran.
func sandboxLeg(t *testing.T, h *host, a attack, run runner, extra runOpts, label string) {
	e := &env{h: h, v: startVictim(t, h), sandboxed: true, tag: "sandbox-" + randomHex(4)}
	o := a.opts
	o.seccompOff = extra.seccompOff
	if a.tty {
		e.master, e.slave = openPty(t)
		o.stdin = e.slave
	}
	var closeLeak func()
	if a.leak {
		closeLeak = leakFD(t, h.leakSecret)
	}
	r := run(t, append([]string{filepath.Join(h.bin, a.program())}, a.args(e)...), o)
	if closeLeak != nil {
		closeLeak()
	}
	hostOnly := o.seccompOff && a.depthHostOnly
	if err := r.contained(); err != nil && !hostOnly {
		knownGap(t, a, r)
		t.Errorf("%s: %v", label, err)
	} else {
		w, d := r.verdict()
		if r.signal != 0 {
			w, d = "killed by", unix.SignalName(r.signal)
			if r.reason != "" {
				d += " (" + r.reason + ")"
			}
		}
		t.Logf("%s: %s %s", label, w, d)
	}
	if a.check != nil {
		if err := a.check(e); err != nil {
			t.Errorf("host check after the run %s: %v", label, err)
		}
	}
}
