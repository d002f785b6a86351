// Package runtimes proves ringfence's exports with the real container
// runtimes: a policy written in ringfence's language is exported with
// oci.Export into a bundle's config.json and run by runc and by crun, and
// compiled to raw BPF for bubblewrap's --seccomp FD. Each test runs busybox
// (busybox-static) workloads and checks what the kernel did: an allowed
// workload succeeds, a denied call fails with exactly the errno the policy
// names, a kill-process rule kills with SIGSYS. No runtime is mocked.
//
// The package holds only tests. It needs root and the Debian packages runc,
// crun, bubblewrap and busybox-static (.ci/apt-packages); without root the
// tests skip saying so, and a missing runtime fails the test, naming the
// package to install.
//
// crun 1.8 refuses a hybrid cgroup layout (cgroup v1 plus a v2 hierarchy at
// /sys/fs/cgroup/unified) and --cgroup-manager=disabled does not help; the
// test runs it inside a private mount namespace (unshare -m) where the
// unified hierarchy is unmounted first, which leaves the host untouched.
package runtimes

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ringfence/ringfence/internal/asroot"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.yaml.in/yaml/v3"

	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
)

// testPolicy is the policy every runtime enforces. The errnos are chosen so
// that busybox's messages tell them apart: EACCES is "Permission denied",
// the default EPERM is "Operation not permitted".
const testPolicy = `policy "runtimes-test"
default errno(EPERM)
allow @default, @basic-io, @signal, @io-event
allow openat, open, stat, lstat, fstat, newfstatat, statx, access, faccessat, faccessat2,
    getdents64, readlink, readlinkat, getcwd, chdir, fchdir, fcntl, ioctl, pipe, pipe2,
    uname, umask, sysinfo, mprotect, madvise, mremap, statfs, fstatfs
allow clone, clone3, fork, vfork, wait4, waitid, execveat, kill, tgkill, tkill, prctl,
    capget, capset, setgroups, setuid, setgid, setresuid, setresgid, setsid, setpgid,
    getpriority, sched_getaffinity
errno(EACCES) mkdir, mkdirat
kill-process unshare
`

// workload is one command run in the sandbox and what must come of it.
type workload struct {
	name   string
	script string
	exit   int    // expected exit status (159 = 128 + SIGSYS)
	output string // must appear in stdout+stderr
}

// control runs the denied calls without a filter: each succeeds, so the
// failures above come from the policy and not from the sandbox around it.
var controlRun = workload{"control without a filter",
	"mkdir /tmp/ringfence-x && hostname ringfence-other && unshare -n true && echo all succeeded", 0, "all succeeded"}

var workloads = []workload{
	{"allowed", "echo hello from busybox; ls / >/dev/null && cat /proc/self/status >/dev/null && echo listed", 0, "hello from busybox\nlisted"},
	{"errno rule", "mkdir /tmp/ringfence-x", 1, "mkdir: can't create directory '/tmp/ringfence-x': Permission denied"},
	{"default action", "hostname ringfence-other", 1, "hostname: sethostname: Operation not permitted"},
	{"kill-process rule", "exec unshare -n true", 159, ""},
}

func needRoot(t *testing.T) {
	t.Helper()
	asroot.Require(t, "container runtimes create namespaces and cgroups")
}

func need(t *testing.T, bin, pkg string) string {
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s not found: apt-get install %s (listed in .ci/apt-packages)", bin, pkg)
	}
	return p
}

func loadPolicy(t *testing.T) *seccomp.Policy {
	p, err := policy.LoadSource("runtimes-test.policy", []byte(testPolicy), policy.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rootfs makes a busybox-static root file system and returns its path.
func rootfs(t *testing.T, dir string) string {
	bb := need(t, "busybox", "busybox-static")
	out, err := exec.Command("file", "-L", bb).Output()
	if err == nil && !bytes.Contains(out, []byte("statically linked")) {
		t.Fatalf("%s is not statically linked: install busybox-static", bb)
	}
	root := filepath.Join(dir, "rootfs")
	for _, d := range []string{"bin", "tmp", "proc", "dev", "sys", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(bb)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin", "busybox"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, app := range []string{"sh", "true", "cat", "ls", "mkdir", "unshare", "echo", "hostname", "id"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", app)); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// bundle writes an OCI bundle running script under the exported profile.
func bundle(t *testing.T, dir string, profile []byte, script string) {
	var sc *specs.LinuxSeccomp
	if profile != nil {
		sc = new(specs.LinuxSeccomp)
		if err := json.Unmarshal(profile, sc); err != nil {
			t.Fatalf("exported profile is not OCI linux.seccomp JSON: %v", err)
		}
	}
	caps := []string{"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SYS_ADMIN", "CAP_SYS_CHROOT"}
	cfg := specs.Spec{
		Version:  "1.0.2", // what runc 1.1 and crun 1.8 accept (specs.Version is newer)
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "ringfence-test",
		Process: &specs.Process{
			Args:            []string{"/bin/sh", "-c", script},
			Env:             []string{"PATH=/bin"},
			Cwd:             "/",
			NoNewPrivileges: true,
			Capabilities:    &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps},
		},
		Mounts: []specs.Mount{
			{Destination: "/proc", Type: "proc", Source: "proc"},
			{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755"}},
			{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev"}},
		},
		Linux: &specs.Linux{
			Namespaces: []specs.LinuxNamespace{{Type: "pid"}, {Type: "mount"}, {Type: "ipc"}, {Type: "uts"}, {Type: "network"}},
			Seccomp:    sc,
		},
	}
	b, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run runs cmd with a deadline and returns its exit status and output.
func run(t *testing.T, cmd *exec.Cmd) (int, string) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%v: timed out; output:\n%s", cmd.Args, out.String())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String()
}

func check(t *testing.T, runtime string, w workload, code int, out string) {
	t.Helper()
	t.Logf("%s %s: exit %d, output %q", runtime, w.name, code, out)
	if code != w.exit {
		t.Errorf("%s, %s: exit status %d, want %d; output:\n%s", runtime, w.name, code, w.exit, out)
	}
	if !strings.Contains(out, w.output) {
		t.Errorf("%s, %s: output %q does not contain %q", runtime, w.name, out, w.output)
	}
}

// ociRuntime runs each workload in a fresh container of one runtime.
func ociRuntime(t *testing.T, name string, command func(state, bundleDir, id string) *exec.Cmd) {
	needRoot(t)
	p := loadPolicy(t)
	profile, warns, err := oci.Export(p, oci.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range warns {
		t.Logf("export warning: %v", w)
	}
	for i, w := range append([]workload{controlRun}, workloads...) {
		t.Run(w.name, func(t *testing.T) {
			dir := t.TempDir()
			rootfs(t, dir)
			prof := profile
			if w.name == controlRun.name {
				prof = nil
			}
			bundle(t, dir, prof, w.script)
			state := filepath.Join(dir, "state")
			id := fmt.Sprintf("ringfence-%s-%d-%d", name, os.Getpid(), i)
			code, out := run(t, command(state, dir, id))
			check(t, name, w, code, out)
		})
	}
}

func TestRunc(t *testing.T) {
	runc := need(t, "runc", "runc")
	ociRuntime(t, "runc", func(state, dir, id string) *exec.Cmd {
		return exec.Command(runc, "--root", state, "run", "--bundle", dir, id)
	})
}

func TestCrun(t *testing.T) {
	crun := need(t, "crun", "crun")
	need(t, "unshare", "util-linux")
	ociRuntime(t, "crun", func(state, dir, id string) *exec.Cmd {
		// A private mount namespace without the cgroup v2 hierarchy of a
		// hybrid layout, which crun 1.8 refuses (see the package doc).
		script := `if mountpoint -q /sys/fs/cgroup/unified 2>/dev/null; then umount /sys/fs/cgroup/unified || exit 125; fi; exec "$0" --root "$1" run --bundle "$2" "$3"`
		return exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", script, crun, state, dir, id)
	})
}

// TestBubblewrap passes seccomp.Compile's raw program, what `ringfence
// compile` writes, to bwrap --seccomp FD on an inherited descriptor.
func TestBubblewrap(t *testing.T) {
	bubblewrap(t, loadPolicy(t), true)
}

// bubblewrap runs the workloads (and, with control, the unfiltered control
// run) under bwrap with p compiled to raw BPF.
func bubblewrap(t *testing.T, p *seccomp.Policy, control bool) {
	needRoot(t)
	bwrap := need(t, "bwrap", "bubblewrap")
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root := rootfs(t, dir)
	filter := filepath.Join(dir, "filter.bpf")
	if err := os.WriteFile(filter, prog.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	list := workloads
	if control {
		list = append([]workload{controlRun}, workloads...)
	}
	for _, w := range list {
		t.Run(w.name, func(t *testing.T) {
			f, err := os.Open(filter)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			args := []string{"--seccomp", "3"}
			if w.name == controlRun.name {
				args = []string{"--cap-add", "CAP_SYS_ADMIN"}
			}
			// The host's / read-only, with busybox's directory on top so its
			// applets run whatever the host's /bin holds.
			cmd := exec.Command(bwrap, "--ro-bind", "/", "/", "--ro-bind", filepath.Join(root, "bin"), "/bin",
				"--unshare-all", "--die-with-parent", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
				args[0], args[1], "/bin/sh", "-c", w.script)
			cmd.Env = []string{"PATH=/bin"}
			cmd.ExtraFiles = []*os.File{f} // fd 3
			code, out := run(t, cmd)
			check(t, "bwrap", w, code, out)
		})
	}
}

// TestSPOMatchesOCI parses the Security Profiles Operator export back and
// compares it with the OCI JSON export of the same policy.
func TestSPOMatchesOCI(t *testing.T) {
	p := loadPolicy(t)
	jsonOut, _, err := oci.Export(p, oci.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	yamlOut, _, err := oci.ExportSPO(p, "runtimes-test", oci.ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sc specs.LinuxSeccomp
	if err := json.Unmarshal(jsonOut, &sc); err != nil {
		t.Fatal(err)
	}
	var spo struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec struct {
			DefaultAction string   `yaml:"defaultAction"`
			Architectures []string `yaml:"architectures"`
			Syscalls      []struct {
				Action   string   `yaml:"action"`
				Names    []string `yaml:"names"`
				ErrnoRet *uint    `yaml:"errnoRet"`
				Args     []struct {
					Index    uint   `yaml:"index"`
					Value    uint64 `yaml:"value"`
					ValueTwo uint64 `yaml:"valueTwo"`
					Op       string `yaml:"op"`
				} `yaml:"args"`
			} `yaml:"syscalls"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(yamlOut, &spo); err != nil {
		t.Fatalf("SPO export is not YAML: %v\n%s", err, yamlOut)
	}
	if spo.APIVersion != "security-profiles-operator.x-k8s.io/v1beta1" || spo.Kind != "SeccompProfile" || spo.Metadata.Name != "runtimes-test" {
		t.Errorf("SPO header: %s %s %s", spo.APIVersion, spo.Kind, spo.Metadata.Name)
	}
	if spo.Spec.DefaultAction != string(sc.DefaultAction) {
		t.Errorf("defaultAction %s, OCI %s", spo.Spec.DefaultAction, sc.DefaultAction)
	}
	var arches []string
	for _, a := range sc.Architectures {
		arches = append(arches, string(a))
	}
	if !reflect.DeepEqual(spo.Spec.Architectures, arches) {
		t.Errorf("architectures %v, OCI %v", spo.Spec.Architectures, arches)
	}
	if len(spo.Spec.Syscalls) != len(sc.Syscalls) {
		t.Fatalf("%d syscall rules, OCI has %d", len(spo.Spec.Syscalls), len(sc.Syscalls))
	}
	for i, s := range sc.Syscalls {
		y := spo.Spec.Syscalls[i]
		if y.Action != string(s.Action) || !reflect.DeepEqual(y.Names, s.Names) || !reflect.DeepEqual(y.ErrnoRet, s.ErrnoRet) || len(y.Args) != len(s.Args) {
			t.Errorf("rule %d: SPO %+v, OCI %+v", i, y, s)
			continue
		}
		for j, a := range s.Args {
			b := y.Args[j]
			if b.Index != a.Index || b.Value != a.Value || b.ValueTwo != a.ValueTwo || b.Op != string(a.Op) {
				t.Errorf("rule %d arg %d: SPO %+v, OCI %+v", i, j, b, a)
			}
		}
	}
}
