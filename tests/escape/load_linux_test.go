package escape

import (
	"errors"
	"fmt"
	"github.com/ringfence/ringfence/internal/asroot"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// procInfo is what the leak checks need to know about one process.
type procInfo struct {
	pid, ppid int
	cmdline   string
	exe       string
	pidNS     string
}

func listProcs() []procInfo {
	ents, _ := os.ReadDir("/proc")
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // gone
		}
		// pid (comm) state ppid ...: comm may hold spaces and parens.
		s := string(stat)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
		out = append(out, procInfo{pid: pid, ppid: ppid, cmdline: strings.ReplaceAll(string(cl), "\x00", " "), exe: exe, pidNS: ns})
	}
	return out
}

// descendants lists the processes whose parent chain leads to root, except
// those in skip (and their own descendants).
func descendants(root int, skip ...int) []string {
	procs := listProcs()
	parent := map[int]int{}
	for _, p := range procs {
		parent[p.pid] = p.ppid
	}
	skipped := map[int]bool{}
	for _, s := range skip {
		skipped[s] = true
	}
	var out []string
	for _, p := range procs {
		if p.pid == root {
			continue
		}
		for q, n := parent[p.pid], 0; q > 1 && n < 64; q, n = parent[q], n+1 {
			if skipped[p.pid] || skipped[q] {
				break
			}
			if q == root {
				out = append(out, fmt.Sprintf("%d (%s)", p.pid, strings.TrimSpace(p.cmdline)))
				break
			}
		}
	}
	return out
}

// leftovers lists processes that belong to a finished run: descendants of
// this test process, processes whose command line holds token, and other
// processes running this test binary (a sandbox's init is a fork of it:
// its executable is this binary, its command line "ringfence-init").
func leftovers(token string, exes ...string) []string {
	self := os.Getpid()
	exe, _ := os.Readlink("/proc/self/exe")
	out := descendants(self)
	for _, p := range listProcs() {
		if p.pid == self {
			continue
		}
		switch {
		case token != "" && strings.Contains(p.cmdline, token):
			out = append(out, fmt.Sprintf("%d (%s, pid ns %s)", p.pid, strings.TrimSpace(p.cmdline), p.pidNS))
		case p.exe == exe && !isOurRootlessChild(p):
			out = append(out, fmt.Sprintf("%d (%s: this test binary)", p.pid, strings.TrimSpace(p.cmdline)))
		case slices.Contains(exes, p.exe):
			out = append(out, fmt.Sprintf("%d (%s: %s)", p.pid, strings.TrimSpace(p.cmdline), p.exe))
		}
	}
	sort.Strings(out)
	return dedupe(out)
}

func isOurRootlessChild(p procInfo) bool {
	return strings.Contains(p.cmdline, "-test.run") && p.ppid == os.Getpid()
}

func dedupe(s []string) []string {
	var out []string
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

var cgroupPatterns = []string{"/sys/fs/cgroup/*/ringfence/*", "/sys/fs/cgroup/ringfence/*"}

// ourCgroups lists the cgroups this process created under the ringfence
// parents (cgroup.UniqueName puts our pid in every name).
func ourCgroups() []string {
	tag := fmt.Sprintf("%d-", os.Getpid())
	var out []string
	for _, pattern := range cgroupPatterns {
		m, _ := filepath.Glob(pattern)
		for _, d := range m {
			if st, err := os.Stat(d); err == nil && st.IsDir() && strings.Contains(filepath.Base(d), tag) {
				out = append(out, d)
			}
		}
	}
	return out
}

func fdCount() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

// settle retries check for up to two seconds: cleanup may still be running
// in another goroutine when Wait returns.
func settle(check func() error) error {
	deadline := time.Now().Add(2 * time.Second)
	for {
		err := check()
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestLoad starts 50 sandboxes at once, three times over: every exit
// status must come back right, and nothing of any sandbox may be left:
// no process, no cgroup, no fd of the test process, no mount.
func TestLoad(t *testing.T) {
	asroot.Require(t, "TestLoad checks the host's cgroups and mounts")
	const parallel, rounds = 50, 3
	token := "ringfence-load-" + randomHex(4)
	before := snapshotHost(t)
	// Watch the groups come and go, so that the leak check below is known
	// to look at the right place.
	stop := make(chan struct{})
	seen := make(chan int)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				seen <- most
				return
			case <-time.After(5 * time.Millisecond):
				most = max(most, len(ourCgroups()))
			}
		}
	}()
	var total time.Duration
	for round := 0; round < rounds; round++ {
		start := time.Now()
		var wg sync.WaitGroup
		results := make([]result, parallel)
		for i := 0; i < parallel; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// $0 carries the token, so a leftover shell is easy to find.
				// Every other sandbox gets cgroup limits, so groups are
				// created and must be removed too.
				o := runOpts{}
				if i%2 == 1 {
					o.pids, o.memory = 64, 256<<20
				}
				results[i] = runSandboxed(t, []string{"/bin/sh", "-c", fmt.Sprintf("exit %d", i), token}, o)
			}()
		}
		wg.Wait()
		total += time.Since(start)
		for i, r := range results {
			if r.err != nil || r.signal != 0 || r.code != i {
				t.Errorf("round %d, sandbox %d: want exit %d, got %v", round, i, i, r)
			}
		}
	}
	t.Logf("%d rounds of %d parallel sandboxes: %v per round on average", rounds, parallel, total/rounds)
	close(stop)
	if most := <-seen; most == 0 {
		t.Errorf("no cgroup of this process was ever seen under %v while the sandboxes with limits ran: the leak check would prove nothing", cgroupPatterns)
	} else {
		t.Logf("up to %d cgroups seen at once", most)
	}

	before.checkNothingLeft(t, token)
}

// hostSnapshot is what a run of sandboxes must leave as it found.
type hostSnapshot struct {
	mounts  map[string]bool
	fds     int
	cgroups int
}

func snapshotHost(t *testing.T) hostSnapshot {
	m, err := hostMounts()
	if err != nil {
		t.Fatal(err)
	}
	return hostSnapshot{mounts: m, fds: fdCount(), cgroups: len(ourCgroups())}
}

// checkNothingLeft fails t for any process (holding token, or running one
// of exes), cgroup, fd of this process or host mount that the sandboxes
// left behind, once things have had a moment to settle.
func (before hostSnapshot) checkNothingLeft(t *testing.T, token string, exes ...string) {
	t.Helper()
	if err := settle(func() error {
		if left := leftovers(token, exes...); len(left) > 0 {
			return fmt.Errorf("processes left behind: %v", left)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if err := settle(func() error {
		if cg := ourCgroups(); len(cg) > before.cgroups {
			return fmt.Errorf("cgroups left behind: %v", cg)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if err := settle(func() error {
		if n := fdCount(); n > before.fds {
			return fmt.Errorf("the test process has %d fds open, %d before the sandboxes", n, before.fds)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	if err := settle(func() error {
		after, err := hostMounts()
		if err != nil {
			return err
		}
		var added []string
		for m := range after {
			if !before.mounts[m] {
				added = append(added, m)
			}
		}
		if len(added) > 0 {
			return fmt.Errorf("mounts left in the host mount table: %v", added)
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}

// TestLoadCLI: rounds of `ringfence run` started in parallel, whose
// preforked init is taken (the defaults), discarded for a fork of the
// supervisor (flags that ask for other ids or namespaces) or never made
// (RINGFENCE_PREFORK=0), with a denial and a timeout among them: every exit
// status right and nothing left behind. RINGFENCE_LONG=1 runs 100 rounds.
func TestLoadCLI(t *testing.T) {
	asroot.Require(t, "TestLoadCLI checks the host's mounts")
	cli := buildCLI(t)
	rounds := 3
	if os.Getenv("RINGFENCE_LONG") != "" {
		rounds = 100
	}
	token := "ringfence-loadcli-" + randomHex(4)
	before := snapshotHost(t)
	sh := func(script string) []string { return []string{"--", "/bin/sh", "-c", script, token} }
	kinds := []struct {
		env  string
		args []string
		want int
	}{
		{"", append([]string{"run"}, sh("exit 7")...), 7},
		{"", append([]string{"run", "--net", "host"}, sh("exit 3")...), 3},
		{"", append([]string{"run", "--uid", "5"}, sh(`test "$(id -u)" = 5 && exit 4`)...), 4},
		{"", []string{"run", "--", "/usr/bin/unshare", "-U", "true"}, 1},
		{"", append([]string{"run", "--timeout", "50ms"}, sh("sleep 5")...), 128 + 9},
		{"RINGFENCE_PREFORK=0", append([]string{"run"}, sh("exit 9")...), 9},
	}
	start := time.Now()
	for round := 0; round < rounds; round++ {
		var wg sync.WaitGroup
		errs := make([]error, 2*len(kinds))
		for i := range errs {
			k := kinds[i%len(kinds)]
			wg.Add(1)
			go func() {
				defer wg.Done()
				cmd := exec.Command(cli, k.args...)
				cmd.Env = os.Environ()
				if k.env != "" {
					cmd.Env = append(cmd.Env, k.env)
				}
				out, err := cmd.CombinedOutput()
				var ee *exec.ExitError
				code := 0
				switch {
				case errors.As(err, &ee):
					code = ee.ExitCode()
				case err != nil:
					errs[i] = err
					return
				}
				if code != k.want {
					errs[i] = fmt.Errorf("%s %q: exit %d, want %d\n%s", k.env, k.args, code, k.want, out)
				}
			}()
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Errorf("round %d: %v", round, err)
			}
		}
	}
	t.Logf("%d rounds of %d CLI runs: %v", rounds, 2*len(kinds), time.Since(start))
	before.checkNothingLeft(t, token, cli)
}
