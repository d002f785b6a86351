// Package escape is ringfence's escape suite: small C programs, each trying
// one way out of a sandbox, run first without the sandbox (where each must
// succeed, which shows the attack is real) and then inside it under the
// defaults (where each must be contained). See README.md for the table of
// attacks, what stops each one, and the results.
//
// The package holds only tests. It needs root, gcc and libc6-dev; without
// root or gcc the tests skip, saying which.
package escape

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/ringfence/ringfence/internal/asroot"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// host is everything the attacks aim at, prepared once on the host side.
type host struct {
	dir    string // work dir outside /tmp (the sandbox's /tmp is private), world-readable
	bin    string // compiled attacks
	target string // a host directory the sandbox sees read-only (write_host, mount_tmpfs)
	marker string // random text inside every secret

	rootSecret string // /root/.ringfence-escape-secret
	homeSecret string // /home/ringfence-escape-XXXX/secret
	homeDir    string
	leakSecret string // the file fd_leak's leaked descriptor is open on
	cad        string // /proc/sys/kernel/ctrl-alt-del before the suite

	suidHelper string // setuid-root copy of suidhelper
	handleType int    // file handle of rootSecret (open_by_handle_at)
	handleHex  string

	hostname string
	mntNS    uint64 // inode of the host mount namespace

	tcpPort  int
	unixName string // abstract
	unixPath string // pathname socket

	mu         sync.Mutex
	heard      []string // what the listeners received
	victimPids []int
}

// victims lists the pids of every victim started (the leak checks skip them).
func (h *host) victims() []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]int(nil), h.victimPids...)
}

// The attacks are compiled once per test process, into binDir (removed by
// TestMain).
var (
	binMu  sync.Mutex
	binDir string
)

func sharedBin(t testing.TB) string {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		return binDir
	}
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Fatal("gcc not installed (apt-get install gcc libc6-dev; scripts/setup does): the attacks are C programs")
	}
	dir, err := os.MkdirTemp("/var/tmp", "ringfence-escape-bin-")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err = os.Chmod(dir, 0o755); err == nil {
		err = compileAttacks(dir)
	}
	t.Logf("compiled the attacks in %v", time.Since(start))
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	binDir = dir
	return dir
}

func removeBin() {
	binMu.Lock()
	defer binMu.Unlock()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// compileAttacks builds every attack into dir with gcc, in parallel.
func compileAttacks(dir string) error {
	files, err := filepath.Glob("attacks/*.c")
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no attack sources in attacks/ (the test runs in its package directory): %v", err)
	}
	errs := make(chan error, len(files))
	sem := make(chan struct{}, runtime.NumCPU()+1)
	for _, f := range files {
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			n := strings.TrimSuffix(filepath.Base(f), ".c")
			out, err := exec.Command("gcc", "-O1", "-Wall", "-Wno-unused-result", "-o", filepath.Join(dir, n), f).CombinedOutput()
			if err != nil {
				err = fmt.Errorf("gcc %s: %v\n%s", f, err, out)
			}
			errs <- err
		}()
	}
	var first error
	for range files {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// newHost prepares the targets. Everything it creates is removed by
// t.Cleanup.
func newHost(t *testing.T) *host {
	t.Helper()
	rootless := os.Getenv(rootlessEnv)
	if rootless == "" {
		asroot.Require(t, "the escape suite plants secrets in /root and builds a setuid binary; TestRootless runs its rootless subset as uid 65534")
	}
	// Not t.TempDir(): that is under /tmp, which is private inside the
	// sandbox, and the attacks must be visible there.
	dir, err := os.MkdirTemp("/var/tmp", "ringfence-escape-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := &host{dir: dir, bin: sharedBin(t), target: filepath.Join(dir, "target"), marker: "ringfence-secret-" + randomHex(8)}
	if err := os.Mkdir(h.target, 0o755); err != nil {
		t.Fatal(err)
	}
	if rootless != "" {
		// The root parent planted the secret (see TestRootless).
		h.homeSecret, h.marker, _ = strings.Cut(rootless, ":")
		h.leakSecret = h.homeSecret
		h.finish(t)
		return h
	}

	// The setuid-root helper, in its own copy so the mode change is ours.
	h.suidHelper = filepath.Join(dir, "suidhelper-root")
	copyFile(t, filepath.Join(h.bin, "suidhelper"), h.suidHelper)
	if err := os.Chmod(h.suidHelper, os.ModeSetuid|0o755); err != nil {
		t.Fatal(err)
	}

	h.rootSecret = "/root/.ringfence-escape-secret-" + randomHex(4)
	writeSecret(t, h.rootSecret, h.marker)
	if err := os.MkdirAll("/home", 0o755); err != nil {
		t.Fatal(err)
	}
	h.homeDir, err = os.MkdirTemp("/home", "ringfence-escape-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(h.homeDir) })
	h.homeSecret = filepath.Join(h.homeDir, "secret")
	writeSecret(t, h.homeSecret, h.marker)

	fh, _, err := unix.NameToHandleAt(unix.AT_FDCWD, h.rootSecret, 0)
	if err != nil {
		t.Fatalf("name_to_handle_at %s: %v", h.rootSecret, err)
	}
	h.handleType, h.handleHex = int(fh.Type()), hex.EncodeToString(fh.Bytes())
	h.leakSecret = h.rootSecret
	h.finish(t)
	return h
}

// finish records the host state the checks compare with and starts the
// listeners.
func (h *host) finish(t *testing.T) {
	var err error
	h.hostname, err = os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/self/ns/mnt", &st); err != nil {
		t.Fatal(err)
	}
	h.mntNS = st.Ino
	b, err := os.ReadFile("/proc/sys/kernel/ctrl-alt-del")
	if err != nil {
		t.Fatal(err)
	}
	h.cad = string(b)
	h.listen(t)
}

func writeSecret(t *testing.T, path, marker string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("host secret: "+marker+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// listen starts the host services: TCP on 127.0.0.1 and an abstract unix
// socket. Whatever a client sends is recorded in h.heard.
func (h *host) listen(t *testing.T) {
	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.tcpPort = tl.Addr().(*net.TCPAddr).Port
	h.unixName = "ringfence-escape-" + randomHex(4)
	ul, err := net.Listen("unix", "@"+h.unixName)
	if err != nil {
		t.Fatal(err)
	}
	// A pathname socket in a directory the sandbox sees read-only: a
	// read-only mount does not stop connect(2).
	h.unixPath = filepath.Join(h.dir, "service.sock")
	pl, err := net.Listen("unix", h.unixPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(h.unixPath, 0o666); err != nil {
		t.Fatal(err)
	}
	for _, l := range []net.Listener{tl, ul, pl} {
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					b := make([]byte, 256)
					n, _ := c.Read(b)
					h.mu.Lock()
					h.heard = append(h.heard, string(b[:n]))
					h.mu.Unlock()
				}()
			}
		}()
	}
}

// heardFrom reports whether a listener received tag.
func (h *host) heardFrom(tag string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.heard {
		if strings.Contains(s, tag) {
			return true
		}
	}
	return false
}

// victim is a host process for the attacks to aim at: a sleep, started fresh
// for each attack.
type victim struct {
	cmd *exec.Cmd
}

func startVictim(t *testing.T, h *host) *victim {
	t.Helper()
	cmd := exec.Command("sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	v := &victim{cmd: cmd}
	h.mu.Lock()
	h.victimPids = append(h.victimPids, cmd.Process.Pid)
	h.mu.Unlock()
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return v
}

func (v *victim) pid() string { return fmt.Sprint(v.cmd.Process.Pid) }

// intact checks that the victim is alive, not stopped and not traced.
func (v *victim) intact() error {
	pid := v.cmd.Process.Pid
	if err := syscall.Kill(pid, 0); err != nil {
		return fmt.Errorf("host process %d is gone: %v", pid, err)
	}
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(st), "\n") {
		k, val, _ := strings.Cut(line, ":")
		val = strings.TrimSpace(val)
		switch k {
		case "State":
			if strings.HasPrefix(val, "Z") || strings.HasPrefix(val, "X") {
				return fmt.Errorf("host process %d is dead (%s)", pid, val)
			}
			if strings.HasPrefix(val, "t") || strings.HasPrefix(val, "T") {
				return fmt.Errorf("host process %d is stopped (%s)", pid, val)
			}
		case "TracerPid":
			if val != "0" {
				return fmt.Errorf("host process %d is traced by %s", pid, val)
			}
		}
	}
	return nil
}

// hostMounts returns the mount points of the host mount table.
func hostMounts() (map[string]bool, error) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	m := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 {
			m[f[4]] = true
		}
	}
	return m, nil
}

// openPty returns a new pty pair: the master stays on the host (the
// "terminal"), the slave is the attack's stdin.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// ptyInput drains what is waiting in the slave's input queue: what TIOCSTI
// injected would be read by the host shell from there.
func ptyInput(slave *os.File) string {
	fd := int(slave.Fd())
	var buf []byte
	unix.SetNonblock(fd, true)
	defer unix.SetNonblock(fd, false)
	// Canonical mode holds the bytes until a newline: switch it off.
	if tio, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
		raw := *tio
		raw.Lflag &^= unix.ICANON | unix.ECHO
		unix.IoctlSetTermios(fd, unix.TCSETS, &raw)
		defer unix.IoctlSetTermios(fd, unix.TCSETS, tio)
	}
	b := make([]byte, 256)
	for {
		n, err := unix.Read(fd, b)
		if n <= 0 || err != nil {
			return string(buf)
		}
		buf = append(buf, b[:n]...)
	}
}
