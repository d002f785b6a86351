package cgroup

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// These tests run anywhere, without privileges: they lay out fake cgroup
// hierarchies in a temporary directory and play the kernel's part (creating
// control files on mkdir) to check discovery, placement and the files New
// writes, for machine shapes this test machine does not have (pure v2 with
// controllers, pure v1, delegation).

// fakeMachine describes one machine shape.
type fakeMachine struct {
	v2          string   // controllers in the v2 root's cgroup.controllers; "-" for no cgroup2 mount
	v1          []string // v1 mounts, each "ctrl" or "ctrl,ctrl" (co-mounted)
	memsw       bool     // v1 memory has memory.memsw.* (swap accounting)
	euid        int
	own         string // our v2 cgroup ("/" by default)
	delegateOwn bool   // our own v2 cgroup is writable by us
	v2Deleg     string // controllers in our own cgroup's cgroup.controllers
	readOnly    bool   // nothing writable, even as root
	omit        string // a control file the fake kernel does not create
}

type fake struct {
	root string
	h    *host
}

func newFake(t *testing.T, m fakeMachine) *fake {
	t.Helper()
	root := t.TempDir()
	f := &fake{root: root}
	// A fake group is a directory with files in it; the kernel's rmdir
	// removes a cgroup's control files with it.
	rmdir = func(dir string) error {
		if procs, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")); err == nil && len(strings.TrimSpace(string(procs))) > 0 {
			return &os.PathError{Op: "rmdir", Path: dir, Err: errBusy}
		}
		return os.RemoveAll(dir)
	}
	t.Cleanup(func() { rmdir = os.Remove })
	var mi []string
	self := []string{}
	dev := 40
	if m.v2 != "-" {
		dir := filepath.Join(root, "unified")
		mustMkdir(t, dir)
		mustWrite(t, filepath.Join(dir, "cgroup.controllers"), m.v2)
		mustWrite(t, filepath.Join(dir, "cgroup.subtree_control"), "")
		mustWrite(t, filepath.Join(dir, "cgroup.procs"), "1\n")
		mi = append(mi, fmt.Sprintf("30 20 0:%d / %s rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate", dev, dir))
		dev++
		own := m.own
		if own == "" {
			own = "/"
		}
		self = append(self, "0::"+own)
		if own != "/" {
			od := filepath.Join(dir, own)
			mustMkdir(t, od)
			mustWrite(t, filepath.Join(od, "cgroup.controllers"), m.v2Deleg)
			mustWrite(t, filepath.Join(od, "cgroup.subtree_control"), "")
			mustWrite(t, filepath.Join(od, "cgroup.procs"), "")
		}
	}
	for i, ctrls := range m.v1 {
		dir := filepath.Join(root, ctrls)
		mustMkdir(t, dir)
		mi = append(mi, fmt.Sprintf("%d 20 0:%d / %s rw,relatime - cgroup cgroup rw,%s", 31+i, dev, dir, ctrls))
		dev++
		self = append(self, fmt.Sprintf("%d:%s:/", i+1, ctrls))
	}
	// Noise discovery must ignore.
	mi = append(mi, "25 1 8:1 / / rw - ext4 /dev/sda1 rw",
		fmt.Sprintf("40 20 0:99 / %s rw - cgroup cgroup rw,xattr,name=systemd", filepath.Join(root, "systemd")))
	self = append(self, "9:name=systemd:/user.slice")

	f.h = &host{
		euid:       m.euid,
		mountinfo:  strings.Join(mi, "\n") + "\n",
		selfCgroup: strings.Join(self, "\n") + "\n",
		writable: func(p string) bool {
			if m.readOnly {
				return false
			}
			if m.euid == 0 {
				return true
			}
			own := filepath.Join(root, "unified", m.own)
			return m.delegateOwn && m.own != "" && (p == own || strings.HasPrefix(p, own+"/"))
		},
		afterMkdir: func(dir string, v2 bool) { f.kernelMkdir(t, dir, v2, m) },
	}
	return f
}

// kernelMkdir creates the control files the kernel would show in a new group.
func (f *fake) kernelMkdir(t *testing.T, dir string, v2 bool, m fakeMachine) {
	files := []string{"cgroup.procs"}
	if v2 {
		files = append(files, "cgroup.kill", "cgroup.freeze", "cgroup.events", "cgroup.subtree_control")
		for _, c := range readControllers(filepath.Join(filepath.Dir(dir), "cgroup.subtree_control")) {
			switch strings.TrimPrefix(c, "+") {
			case "memory":
				files = append(files, "memory.max", "memory.swap.max", "memory.events", "memory.peak")
			case "pids":
				files = append(files, "pids.max", "pids.events")
			case "cpu":
				files = append(files, "cpu.max", "cpu.stat")
			}
		}
	} else {
		for _, c := range strings.Split(filepath.Base(filepath.Dir(filepath.Dir(dir))), ",") {
			switch c {
			case "memory":
				files = append(files, "memory.limit_in_bytes", "memory.swappiness", "memory.oom_control",
					"memory.failcnt", "memory.max_usage_in_bytes")
				if m.memsw {
					files = append(files, "memory.memsw.limit_in_bytes")
				}
			case "pids":
				files = append(files, "pids.max", "pids.events")
			case "cpu":
				files = append(files, "cpu.cfs_period_us", "cpu.cfs_quota_us", "cpu.stat")
			case "freezer":
				files = append(files, "freezer.state")
			}
		}
	}
	for _, name := range files {
		if name != m.omit {
			mustWrite(t, filepath.Join(dir, name), "")
		}
	}
}

func mustMkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (f *fake) read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(f.root, rel))
	if err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return string(b)
}

func (f *fake) rel(paths []string) []string {
	var out []string
	for _, p := range paths {
		r, _ := filepath.Rel(f.root, p)
		out = append(out, r)
	}
	return out
}

var allLimits = Limits{MemoryBytes: 64 << 20, Pids: 10, CPUs: 0.5}

func TestPureV2Root(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "cpuset cpu io memory hugetlb pids rdma misc"})
	g, err := f.h.newGroup("box", allLimits)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.rel(g.Paths()); !slices.Equal(got, []string{"unified/ringfence/box"}) {
		t.Fatalf("paths %v", got)
	}
	if g.kill != killV2 {
		t.Errorf("kill method %q", g.kill)
	}
	for file, want := range map[string]string{
		"unified/cgroup.subtree_control":               "+memory +pids +cpu",
		"unified/ringfence/cgroup.subtree_control":     "+memory +pids +cpu",
		"unified/ringfence/box/memory.max":             "67108864",
		"unified/ringfence/box/memory.swap.max":        "0",
		"unified/ringfence/box/pids.max":               "10",
		"unified/ringfence/box/cpu.max":                "50000 100000",
		"unified/ringfence/box/cgroup.subtree_control": "",
	} {
		if got := f.read(t, file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	// Events come from the v2 files.
	box := "unified/ringfence/box/"
	mustWrite(t, filepath.Join(f.root, box+"memory.events"), "low 0\nhigh 0\nmax 7\noom 1\noom_kill 2\noom_group_kill 0\n")
	mustWrite(t, filepath.Join(f.root, box+"memory.peak"), "67100000\n")
	mustWrite(t, filepath.Join(f.root, box+"pids.events"), "max 3\n")
	mustWrite(t, filepath.Join(f.root, box+"cpu.stat"), "usage_usec 100\nnr_periods 9\nnr_throttled 4\nthrottled_usec 5\n")
	ev, err := g.Events()
	if err != nil {
		t.Fatal(err)
	}
	want := Events{OOMKills: 2, MemoryMaxHits: 7, PidsMax: 3, CPUThrottled: 4, MemoryPeakBytes: 67100000}
	if ev != want {
		t.Errorf("Events %+v, want %+v", ev, want)
	}
	if got := ev.Explain(allLimits); got != "memory limit 64 MiB reached (2 processes OOM-killed); pids limit 10 reached (3 forks refused)" {
		t.Errorf("Explain %q", got)
	}
	r := f.h.probe()
	if r.Mode != "v2" || !r.CanCreate || !r.Memory.OK || !r.Pids.OK || !r.CPU.OK || r.V2 == nil || r.V1 != nil {
		t.Errorf("probe %+v", r)
	}
	// Removing the fake directories is Destroy's last step; the Kill before
	// it finds no process.
	if err := g.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(f.root, box)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Destroy left %s", box)
	}
}

func TestHybrid(t *testing.T) {
	for _, memsw := range []bool{false, true} {
		t.Run(fmt.Sprintf("memsw=%v", memsw), func(t *testing.T) {
			f := newFake(t, fakeMachine{v2: "", v1: []string{"cpu,cpuacct", "memory", "pids", "freezer"}, memsw: memsw})
			g, err := f.h.newGroup("box", allLimits)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"unified/ringfence/box", "memory/ringfence/box", "pids/ringfence/box", "cpu,cpuacct/ringfence/box"}
			if got := f.rel(g.Paths()); !slices.Equal(got, want) {
				t.Fatalf("paths %v, want %v", got, want)
			}
			files := map[string]string{
				"memory/ringfence/box/memory.limit_in_bytes":  "67108864",
				"memory/ringfence/box/memory.oom_control":     "0",
				"pids/ringfence/box/pids.max":                 "10",
				"cpu,cpuacct/ringfence/box/cpu.cfs_period_us": "100000",
				"cpu,cpuacct/ringfence/box/cpu.cfs_quota_us":  "50000",
				"unified/cgroup.subtree_control":              "",
			}
			if memsw {
				files["memory/ringfence/box/memory.memsw.limit_in_bytes"] = "67108864"
				files["memory/ringfence/box/memory.swappiness"] = "" // untouched
			} else {
				files["memory/ringfence/box/memory.swappiness"] = "0"
			}
			for file, want := range files {
				if got := f.read(t, file); got != want {
					t.Errorf("%s = %q, want %q", file, got, want)
				}
			}
			mustWrite(t, filepath.Join(f.root, "memory/ringfence/box/memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
			mustWrite(t, filepath.Join(f.root, "memory/ringfence/box/memory.max_usage_in_bytes"), "67108864\n")
			mustWrite(t, filepath.Join(f.root, "pids/ringfence/box/pids.events"), "max 0\n")
			mustWrite(t, filepath.Join(f.root, "cpu,cpuacct/ringfence/box/cpu.stat"), "nr_periods 3\nnr_throttled 1\nthrottled_time 9\n")
			ev, err := g.Events()
			if err != nil {
				t.Fatal(err)
			}
			if want := (Events{OOMKills: 1, CPUThrottled: 1, MemoryPeakBytes: 64 << 20}); ev != want {
				t.Errorf("Events %+v, want %+v", ev, want)
			}
			r := f.h.probe()
			if r.Mode != "hybrid" || r.Memory.Via != "cgroup v1 "+filepath.Join(f.root, "memory") {
				t.Errorf("probe %+v", r)
			}
		})
	}
}

func TestPureV1TracksWithFreezer(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "-", v1: []string{"memory", "freezer"}})
	g, err := f.h.newGroup("box", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.rel(g.Paths()); !slices.Equal(got, []string{"freezer/ringfence/box"}) || g.kill != killFreezer {
		t.Errorf("paths %v, kill %q", got, g.kill)
	}
	_, err = f.h.newGroup("box2", Limits{CPUs: 1})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitCPU || !strings.Contains(le.Reason, "no cgroup v1 hierarchy with the cpu controller") ||
		!strings.Contains(le.Reason, "no cgroup2 hierarchy") {
		t.Errorf("cpu on a machine without it: %v", err)
	}
	if r := f.h.probe(); r.Mode != "v1" || r.Kill.Via != "freezer" || r.CPU.OK {
		t.Errorf("probe %+v", r)
	}
}

func TestRootlessWithoutDelegation(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "", v1: []string{"memory", "pids", "cpu", "freezer"}, euid: 1000, own: "/user.slice/s.scope"})
	_, err := f.h.newGroup("box", Limits{MemoryBytes: 1 << 30, Pids: 5})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitMemory {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{"--memory 1 GiB", "--pids 5", "needs root or a delegated cgroup: run as root, or under systemd-run --user --scope -p Delegate=yes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q lacks %q", err, want)
		}
	}
	g, err := f.h.newGroup("box", Limits{})
	if err != nil || len(g.Paths()) != 0 {
		t.Fatalf("zero limits: %v %v", g, err)
	}
	if g.Add(1234) != nil || g.Kill() != nil || g.Destroy() != nil {
		t.Errorf("a Group that tracks nothing must accept Add, Kill and Destroy")
	}
	if ev, err := g.Events(); err != nil || ev != (Events{}) {
		t.Errorf("Events %+v %v", ev, err)
	}
	r := f.h.probe()
	if r.CanCreate || r.Kill.OK || !strings.Contains(r.Pids.Why, "Delegate=yes") {
		t.Errorf("probe %+v", r)
	}
}

func TestDelegatedV2Controllers(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "cpu memory pids", euid: 1000, own: "/user.slice/app.scope",
		delegateOwn: true, v2Deleg: "memory pids"})
	g, err := f.h.newGroup("box", Limits{MemoryBytes: 1 << 20, Pids: 3})
	if err != nil {
		t.Fatal(err)
	}
	own := "unified/user.slice/app.scope/"
	if got := f.rel(g.Paths()); !slices.Equal(got, []string{own + "ringfence/box"}) {
		t.Fatalf("paths %v", got)
	}
	for file, want := range map[string]string{
		own + "cgroup.subtree_control":           "+memory +pids",
		own + "ringfence/cgroup.subtree_control": "+memory +pids",
		own + "ringfence/box/memory.max":         "1048576",
		own + "ringfence/box/pids.max":           "3",
		"unified/cgroup.subtree_control":         "",
	} {
		if got := f.read(t, file); got != want {
			t.Errorf("%s = %q, want %q", file, got, want)
		}
	}
	_, err = f.h.newGroup("box2", Limits{CPUs: 1})
	if err == nil || !strings.Contains(err.Error(), "cpu controller is not in cgroup v2's") || !strings.Contains(err.Error(), "Delegate=cpu") {
		t.Errorf("cpu without delegation of it: %v", err)
	}
	r := f.h.probe()
	if !r.V2.Delegated || r.V2.Parent != filepath.Join(f.root, own, "ringfence") || r.CPU.OK || !r.Memory.OK {
		t.Errorf("probe %+v %+v", r, r.V2)
	}
}

func TestReadOnlyAsRoot(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "memory", readOnly: true})
	_, err := f.h.newGroup("box", Limits{MemoryBytes: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), "not writable even as root") {
		t.Errorf("got %v", err)
	}
}

func TestNewRollsBackOnRefusedWrite(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "", v1: []string{"memory", "pids"}, omit: "pids.max"})
	_, err := f.h.newGroup("box", Limits{MemoryBytes: 1 << 20, Pids: 3})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != LimitPids || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v", err)
	}
	for _, d := range []string{"unified", "memory", "pids"} {
		if _, err := os.Stat(filepath.Join(f.root, d, "ringfence", "box")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s/ringfence/box left behind", d)
		}
	}
}

func TestNameInUse(t *testing.T) {
	f := newFake(t, fakeMachine{v2: ""})
	if _, err := f.h.newGroup("box", Limits{}); err != nil {
		t.Fatal(err)
	}
	_, err := f.h.newGroup("box", Limits{})
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("got %v", err)
	}
}

func TestCleanupFake(t *testing.T) {
	f := newFake(t, fakeMachine{v2: "", v1: []string{"pids"}})
	for _, name := range []string{"run-999999999-1", "run-x", "other-1"} {
		if _, err := f.h.newGroup(name, Limits{Pids: 1}); err != nil {
			t.Fatal(err)
		}
	}
	busy := filepath.Join(f.root, "pids/ringfence/run-busy")
	mustMkdir(t, busy)
	mustWrite(t, filepath.Join(busy, "cgroup.procs"), "42\n")
	if err := f.h.cleanup("run-"); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]bool{
		"unified/ringfence/run-999999999-1": false, "pids/ringfence/run-x": false,
		"pids/ringfence/other-1": true, "pids/ringfence/run-busy": true,
	} {
		if _, err := os.Stat(filepath.Join(f.root, dir)); (err == nil) != want {
			t.Errorf("%s exists=%v, want %v", dir, err == nil, want)
		}
	}
}

func TestParseMountinfo(t *testing.T) {
	text := `22 1 8:1 / / rw - ext4 /dev/sda1 rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:7 - cgroup cgroup rw,cpu,cpuacct
33 31 0:29 / /mnt/cpu\040again rw,relatime - cgroup cgroup rw,cpu,cpuacct
34 31 0:30 /docker/abc /sys/fs/cgroup/memory ro,relatime master:3 - cgroup cgroup rw,memory
35 31 0:31 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,nsdelegate
36 31 0:32 / /odd\040dir rw - cgroup cgroup rw,pids
bogus line
37 31 0:33 / /x rw -
`
	got := parseMountinfo(text)
	want := []cgroupMount{
		{dev: "0:29", root: "/", point: "/sys/fs/cgroup/cpu,cpuacct", options: []string{"rw", "cpu", "cpuacct"}},
		{dev: "0:30", root: "/docker/abc", point: "/sys/fs/cgroup/memory", options: []string{"rw", "memory"}},
		{dev: "0:31", root: "/", point: "/sys/fs/cgroup/unified", v2: true, options: []string{"rw", "nsdelegate"}},
		{dev: "0:32", root: "/", point: "/odd dir", options: []string{"rw", "pids"}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i].dev != want[i].dev || got[i].root != want[i].root || got[i].point != want[i].point ||
			got[i].v2 != want[i].v2 || !slices.Equal(got[i].options, want[i].options) {
			t.Errorf("%d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestOwnCgroupUnderMountRoot(t *testing.T) {
	for _, c := range []struct{ p, root, want string }{
		{"/a/b", "/", "/a/b"},
		{"/docker/abc", "/docker/abc", "/"},
		{"/docker/abc/x", "/docker/abc", "/x"},
		{"/docker/abcd", "/docker/abc", ""},
		{"/", "/docker", ""},
	} {
		got, ok := cutPath(c.p, c.root)
		if !ok {
			got = ""
		}
		if got != c.want {
			t.Errorf("cutPath(%q, %q) = %q, want %q", c.p, c.root, got, c.want)
		}
	}
	m := parseSelfCgroup("12:cpu,cpuacct:/a\n4:memory:/process_api/x\n1:name=systemd:/init.scope\n0::/user.slice/u.scope\n\ngarbage\n")
	for k, v := range map[string]string{"cpu": "/a", "cpuacct": "/a", "memory": "/process_api/x", "": "/user.slice/u.scope", "name=systemd": "/init.scope"} {
		if m[k] != v {
			t.Errorf("self[%q] = %q, want %q", k, m[k], v)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		l     Limits
		limit string // "" = valid
	}{
		{Limits{}, ""},
		{allLimits, ""},
		{Limits{CPUs: 0.01}, ""},
		{Limits{CPUs: 64}, ""},
		{Limits{MemoryBytes: -1}, LimitMemory},
		{Limits{Pids: -3}, LimitPids},
		{Limits{CPUs: -0.5}, LimitCPU},
		{Limits{CPUs: math.NaN()}, LimitCPU},
		{Limits{CPUs: math.Inf(1)}, LimitCPU},
		{Limits{CPUs: 0.0099}, LimitCPU},
		{Limits{CPUs: 1e30}, LimitCPU},
	} {
		err := c.l.Validate()
		var le *LimitError
		if c.limit == "" && err != nil || c.limit != "" && (!errors.As(err, &le) || le.Limit != c.limit) {
			t.Errorf("Validate(%+v) = %v, want limit %q", c.l, err, c.limit)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "a\nb", strings.Repeat("x", 201)} {
		if validName(bad) == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, err := New("a/b", Limits{}); err == nil {
		t.Error("New accepted a name with a slash")
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 bytes", 1000: "1000 bytes", 1024: "1 KiB", 64 << 20: "64 MiB", 3 << 29: "1.5 GiB",
		math.MaxInt64: "8 EiB", -2048: "-2 KiB",
	} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestUniqueNameOwner(t *testing.T) {
	a, b := UniqueName("p-"), UniqueName("p-")
	if a == b || !strings.HasPrefix(a, fmt.Sprintf("p-%d-", os.Getpid())) {
		t.Errorf("UniqueName: %q %q", a, b)
	}
}

func FuzzParseMountinfo(f *testing.F) {
	f.Add("35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n", "4:memory:/a\n0::/")
	f.Add(`1 2 3 \0 \04 \777 - cgroup2 x y`, "::\n:::")
	f.Fuzz(func(t *testing.T, mi, self string) {
		h := &host{mountinfo: mi, selfCgroup: self, writable: func(string) bool { return false }}
		hs := h.hierarchies()
		makePlan(hs, "x", allLimits)
	})
}

// TestDelegatedNoInternalProcess plays cgroup v2's no-internal-process rule:
// enabling controllers in a delegated cgroup that holds processes fails with
// EBUSY; New then moves the supervisor into a leaf and tries again, which
// works when the supervisor was alone there.
func TestDelegatedNoInternalProcess(t *testing.T) {
	for _, alone := range []bool{true, false} {
		t.Run(fmt.Sprintf("alone=%v", alone), func(t *testing.T) {
			f := newFake(t, fakeMachine{v2: "memory pids", euid: 1000, own: "/app.scope", delegateOwn: true, v2Deleg: "memory pids"})
			own := filepath.Join(f.root, "unified/app.scope")
			procs := fmt.Sprintf("%d\n", os.Getpid())
			if !alone {
				procs += "4242\n"
			}
			mustWrite(t, filepath.Join(own, "cgroup.procs"), procs)
			kernelWrite = func(path, value string) (bool, error) {
				switch path {
				case filepath.Join(own, "cgroup.subtree_control"):
					if b, _ := os.ReadFile(filepath.Join(own, "cgroup.procs")); len(b) > 0 {
						return true, &os.PathError{Op: "write", Path: path, Err: errBusy}
					}
				case filepath.Join(own, supervisorLeaf, "cgroup.procs"):
					b, _ := os.ReadFile(filepath.Join(own, "cgroup.procs"))
					rest := strings.Replace(string(b), value+"\n", "", 1)
					mustWrite(t, filepath.Join(own, "cgroup.procs"), rest)
				}
				return false, nil
			}
			t.Cleanup(func() { kernelWrite = nil })
			g, err := f.h.newGroup("box", Limits{Pids: 4})
			if !alone {
				if err == nil || !strings.Contains(err.Error(), "holds other processes") {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := f.read(t, "unified/app.scope/"+supervisorLeaf+"/cgroup.procs"); got != fmt.Sprint(os.Getpid()) {
				t.Errorf("supervisor leaf holds %q", got)
			}
			if got := f.read(t, "unified/app.scope/cgroup.subtree_control"); got != "+pids" {
				t.Errorf("subtree_control %q", got)
			}
			if got := f.read(t, "unified/app.scope/ringfence/box/pids.max"); got != "4" {
				t.Errorf("pids.max %q", got)
			}
			g.Destroy()
		})
	}
}
