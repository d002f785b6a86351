package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kill methods, best first.
const (
	killNone    = ""              // the group tracks nothing
	killV2      = "cgroup.kill"   // atomic, Linux 5.14
	killFreeze2 = "cgroup.freeze" // v2 freeze, then signals
	killFreezer = "freezer"       // v1 freezer, then signals
	killSignals = "signals"       // signals until empty
)

// emptyTimeout bounds how long Kill and Destroy wait for the group to empty
// (a process in uninterruptible sleep dies when its I/O completes).
const emptyTimeout = 10 * time.Second

// Group is one sandbox's set of cgroup directories, one per hierarchy used.
// Its methods are safe for concurrent use.
type Group struct {
	name   string
	limits Limits
	kill   string
	track  string // the directory that sees every process ("" if none)
	mu     sync.Mutex
	dirs   []groupDir // created, in creation order
}

type groupDir struct {
	path   string
	v2     bool
	limits []string
}

// validName accepts one path element usable as a directory name.
func validName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("cgroup: invalid group name %q: use a non-empty name such as ringfence.UniqueName(\"run-\")", name)
	case strings.ContainsAny(name, "/\x00\n"):
		return fmt.Errorf("cgroup: invalid group name %q: it must not contain '/', NUL or newline", name)
	case len(name) > 200:
		return fmt.Errorf("cgroup: group name of %d bytes is too long: keep it under 200", len(name))
	}
	return nil
}

var nameSeq atomic.Int64

// UniqueName returns prefix + our pid + "-" + a counter. Cleanup(prefix)
// never removes a group so named while that pid is alive, which closes the
// window between New and Add in which a live group is still empty.
func UniqueName(prefix string) string {
	return fmt.Sprintf("%s%d-%d", prefix, os.Getpid(), nameSeq.Add(1))
}

// realHost reads the running process's view of the machine.
func realHost() (*host, error) {
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("cgroup: reading mounts (is /proc mounted?): %w", err)
	}
	cg, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("cgroup: reading our cgroup (is /proc mounted?): %w", err)
	}
	return &host{euid: os.Geteuid(), mountinfo: string(mi), selfCgroup: string(cg), writable: accessWritable}, nil
}

// New creates the groups that enforce exactly l, named name (one path
// element; see UniqueName) under each hierarchy's "ringfence" directory. A
// limit that cannot be enforced is an error (a *LimitError, or several
// joined) and nothing is left created. With a zero l, New creates a tracking
// group (v2, or the v1 freezer) when it may, and otherwise returns a Group
// that tracks nothing (Paths is empty; Add, Kill and Destroy do nothing).
func New(name string, l Limits) (*Group, error) {
	if err := validName(name); err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	h, err := realHost()
	if err != nil {
		if len(l.requested()) == 0 {
			return &Group{name: name, limits: l}, nil
		}
		return nil, err
	}
	return h.newGroup(name, l)
}

func (h *host) newGroup(name string, l Limits) (*Group, error) {
	p := makePlan(h.hierarchies(), name, l)
	if err := p.err(); err != nil {
		return nil, err
	}
	g := &Group{name: name, limits: l}
	for _, d := range p.dirs {
		if err := h.create(g, d); err != nil {
			g.removeDirs() // empty directories: nothing to kill yet
			return nil, err
		}
	}
	if p.track != nil {
		g.track = p.track.dir
		switch {
		case p.track.h.v2 && exists(filepath.Join(g.track, "cgroup.kill")):
			g.kill = killV2
		case p.track.h.v2 && exists(filepath.Join(g.track, "cgroup.freeze")):
			g.kill = killFreeze2
		case !p.track.h.v2:
			g.kill = killFreezer
		default:
			g.kill = killSignals
		}
	} else if len(g.dirs) > 0 {
		g.kill = killSignals
	}
	return g, nil
}

// create makes one group directory and writes its limits.
func (h *host) create(g *Group, d *dirPlan) error {
	parent := filepath.Join(d.h.base, parentName)
	if err := os.Mkdir(parent, 0o755); err == nil && h.afterMkdir != nil {
		h.afterMkdir(parent, d.h.v2)
	} else if err != nil && !errors.Is(err, fs.ErrExist) {
		return limitErr(d, g.limits, "cannot create the ringfence parent group", err)
	}
	if d.h.v2 && len(d.limits) > 0 {
		if err := h.enableControllers(d, g.limits, parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(d.dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("cgroup: group %s already exists: another sandbox uses the name %q, or a supervisor died without cleaning up (cgroup.Cleanup removes empty stale groups): %w", d.dir, g.name, err)
		}
		return limitErr(d, g.limits, "cannot create the group", err)
	}
	g.dirs = append(g.dirs, groupDir{path: d.dir, v2: d.h.v2, limits: d.limits})
	if h.afterMkdir != nil {
		h.afterMkdir(d.dir, d.h.v2)
	}
	for _, w := range d.writes {
		if w.onlyWithout != "" && exists(filepath.Join(d.dir, w.onlyWithout)) {
			continue
		}
		err := writeControl(filepath.Join(d.dir, w.file), w.value)
		if err == nil || (w.optional && errors.Is(err, fs.ErrNotExist)) {
			continue
		}
		return &LimitError{Limit: w.limit, Value: g.limits.value(w.limit),
			Reason: fmt.Sprintf("the kernel refused %q in %s", w.value, w.file), Err: err}
	}
	return nil
}

// limitErr blames the first limit of d, or reports a plain error for a
// tracking-only directory.
func limitErr(d *dirPlan, l Limits, what string, err error) error {
	if len(d.limits) == 0 {
		return fmt.Errorf("cgroup: %s in %s: %w", what, d.h, err)
	}
	return &LimitError{Limit: d.limits[0], Value: l.value(d.limits[0]), Reason: fmt.Sprintf("%s (%s)", what, d.h), Err: err}
}

// enableControllers turns on d's controllers in the cgroup.subtree_control
// of the base and of the ringfence parent. When the base is not the real
// root (a delegated cgroup, or a container's cgroup namespace root) and still
// holds processes, cgroup v2's no-internal-process rule refuses that with
// EBUSY; then the supervisor moves itself into a leaf beside the ringfence
// parent and tries once more, which works when it was alone there.
func (h *host) enableControllers(d *dirPlan, l Limits, parent string) error {
	want := d.controllers()
	for _, dir := range []string{d.h.base, parent} {
		file := filepath.Join(dir, "cgroup.subtree_control")
		var missing []string
		have := readControllers(file)
		for _, c := range want {
			if !slices.Contains(have, c) {
				missing = append(missing, "+"+c)
			}
		}
		if len(missing) == 0 {
			continue
		}
		err := writeControl(file, strings.Join(missing, " "))
		if err != nil && dir == d.h.base && isBusy(err) {
			leaf := filepath.Join(dir, supervisorLeaf)
			if merr := os.Mkdir(leaf, 0o755); merr == nil && h.afterMkdir != nil {
				h.afterMkdir(leaf, true)
			} else if merr != nil && !errors.Is(merr, fs.ErrExist) {
				return limitErr(d, l, "cannot create a leaf for the supervisor", merr)
			}
			if merr := writeControl(filepath.Join(leaf, "cgroup.procs"), strconv.Itoa(os.Getpid())); merr != nil {
				return limitErr(d, l, "cannot move the supervisor into "+leaf, merr)
			}
			err = writeControl(file, strings.Join(missing, " "))
			if err != nil && isBusy(err) {
				return limitErr(d, l, fmt.Sprintf("the cgroup %s holds other processes, so it cannot give controllers to children (cgroup v2's no-internal-process rule): start ringfence alone in its own scope or cgroup", dir), err)
			}
		}
		if err != nil {
			return limitErr(d, l, "cannot enable "+strings.Join(missing, " ")+" in "+file, err)
		}
	}
	return nil
}

// writeControl writes one value to an existing control file. It never
// creates the file: a missing control file means a missing controller.
func writeControl(path, value string) error {
	if kernelWrite != nil {
		if done, err := kernelWrite(path, value); done {
			return err
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(value)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Paths lists the group's directories, the tracking one first. It is empty
// for a Group that tracks nothing.
func (g *Group) Paths() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, len(g.dirs))
	for i, d := range g.dirs {
		out[i] = d.path
	}
	return out
}

// CloneInto returns the group's directory when it is a single cgroup v2
// directory, so that a child can be started in it directly with clone3's
// CLONE_INTO_CGROUP (os/exec: SysProcAttr.UseCgroupFD with an O_PATH or
// O_DIRECTORY fd of dir), with no window in which it runs outside. ok is
// false when the group also has v1 directories (then use Add) or none.
func (g *Group) CloneInto() (dir string, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.dirs) != 1 || !g.dirs[0].v2 {
		return "", false
	}
	return g.dirs[0].path, true
}

// Name is the name the group was created with.
func (g *Group) Name() string { return g.name }

// Limits are the limits the group enforces.
func (g *Group) Limits() Limits { return g.limits }

// Add moves a process (all its threads) into every directory of the group.
// Call it before the process execs the workload, so that everything the
// workload forks is inside.
func (g *Group) Add(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("cgroup: Add: invalid pid %d", pid)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, d := range g.dirs {
		if err := writeControl(filepath.Join(d.path, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("cgroup: adding pid %d to %s: %w", pid, d.path, err)
		}
	}
	return nil
}

// Pids lists the processes in the group (its tracking directory, or every
// directory when there is none), sub-groups included.
func (g *Group) Pids() ([]int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pidsLocked()
}

func (g *Group) pidsLocked() ([]int, error) {
	dirs := []string{g.track}
	if g.track == "" {
		dirs = dirs[:0]
		for _, d := range g.dirs {
			dirs = append(dirs, d.path)
		}
	}
	var all []int
	for _, d := range dirs {
		pids, err := treePids(d)
		if err != nil {
			return nil, err
		}
		all = append(all, pids...)
	}
	slices.Sort(all)
	return slices.Compact(all), nil
}

// treePids reads cgroup.procs of dir and of every group below it. A
// directory that is gone has no processes.
func treePids(dir string) ([]int, error) {
	var out []int
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !e.IsDir() {
			return nil
		}
		b, err := os.ReadFile(filepath.Join(path, "cgroup.procs"))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				out = append(out, pid)
			}
		}
		return nil
	})
	return out, err
}

// Kill kills every process in the group and waits until the group is empty
// (a killed process leaves its cgroup when it exits, before it is reaped).
// With cgroup.kill no process can escape by forking; the other methods
// freeze the group first when they can. See the package doc.
func (g *Group) Kill() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.killLocked()
}

func (g *Group) killLocked() error {
	if len(g.dirs) == 0 {
		return nil
	}
	deadline := time.Now().Add(emptyTimeout)
	sent := false
	for {
		pids, err := g.pidsLocked()
		if err != nil {
			return fmt.Errorf("cgroup: Kill: %w", err)
		}
		if len(pids) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup: Kill: %d processes still in %s after %v (uninterruptible sleep?): %v", len(pids), g.name, emptyTimeout, pids)
		}
		// cgroup.kill is written once: the kernel finishes the job.
		if g.kill != killV2 || !sent {
			if err := g.killOnce(); err != nil {
				return fmt.Errorf("cgroup: Kill %s by %s: %w", g.name, g.kill, err)
			}
			sent = true
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// killOnce makes one pass of the group's kill method.
func (g *Group) killOnce() error {
	switch g.kill {
	case killV2:
		return writeControl(filepath.Join(g.track, "cgroup.kill"), "1")
	case killFreeze2:
		return frozen(filepath.Join(g.track, "cgroup.freeze"), "1", "0", func() bool {
			return eventValue(filepath.Join(g.track, "cgroup.events"), "frozen") == 1
		}, g.signalLocked)
	case killFreezer:
		state := filepath.Join(g.track, "freezer.state")
		return frozen(state, "FROZEN", "THAWED", func() bool {
			b, err := os.ReadFile(state)
			return err == nil && strings.TrimSpace(string(b)) == "FROZEN"
		}, g.signalLocked)
	default:
		return g.signalLocked()
	}
}

// frozen freezes through file, waits a little for the freeze to complete,
// runs kill, and thaws (the SIGKILLs are delivered on thaw).
func frozen(file, freeze, thaw string, done func() bool, kill func() error) error {
	if err := writeControl(file, freeze); err != nil {
		return err
	}
	for i := 0; i < 500 && !done(); i++ {
		time.Sleep(time.Millisecond)
	}
	kerr := kill()
	if err := writeControl(file, thaw); err != nil {
		return errors.Join(kerr, err)
	}
	return kerr
}

// signalLocked sends SIGKILL to every process listed in the group.
func (g *Group) signalLocked() error {
	pids, err := g.pidsLocked()
	if err != nil {
		return err
	}
	return killListed(pids, g.pidsLocked)
}

// Destroy kills what is left in the group, waits for it to empty and
// removes every directory New created (sub-groups included). The shared
// "ringfence" parents stay. Destroy is idempotent; after an error it may be
// called again.
func (g *Group) Destroy() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	kerr := g.killLocked()
	if err := g.removeDirs(); err != nil {
		return errors.Join(kerr, err)
	}
	return kerr
}

// removeDirs removes the group's directories, newest first, retrying while
// the kernel still reports them busy; it keeps those it could not remove.
func (g *Group) removeDirs() error {
	var errs []error
	var kept []groupDir
	for i := len(g.dirs) - 1; i >= 0; i-- {
		if err := removeTree(g.dirs[i].path, time.Now().Add(emptyTimeout)); err != nil {
			errs = append(errs, err)
			kept = append([]groupDir{g.dirs[i]}, kept...)
		}
	}
	g.dirs = kept
	if len(kept) == 0 {
		g.track, g.kill = "", killNone
	}
	return errors.Join(errs...)
}

// kernelWrite, when set by a test of a fake layout, plays the kernel's side
// of a control file write (a refusal, or a process move); done=false lets
// the write through to the file.
var kernelWrite func(path, value string) (done bool, err error)

// rmdir removes one cgroup directory; tests of fake layouts replace it.
var rmdir = os.Remove

// removeTree removes a cgroup directory and the groups below it, deepest
// first. cgroupfs directories are removed with rmdir even though they list
// control files.
func removeTree(dir string, deadline time.Time) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("cgroup: removing %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeTree(filepath.Join(dir, e.Name()), deadline); err != nil {
				return err
			}
		}
	}
	for {
		err := rmdir(dir)
		if err == nil || errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("cgroup: removing %s: %w", dir, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Events reads what the limits did so far. Counters of limits that were not
// requested stay zero.
func (g *Group) Events() (Events, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var ev Events
	var errs []error
	read := func(file, key string) int64 {
		v, err := readKeyed(file, key)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	for _, d := range g.dirs {
		for _, lim := range d.limits {
			switch {
			case lim == LimitMemory && d.v2:
				ev.OOMKills = read(filepath.Join(d.path, "memory.events"), "oom_kill")
				ev.MemoryMaxHits = read(filepath.Join(d.path, "memory.events"), "max")
				ev.MemoryPeakBytes = readInt(filepath.Join(d.path, "memory.peak"))
			case lim == LimitMemory:
				ev.OOMKills = read(filepath.Join(d.path, "memory.oom_control"), "oom_kill")
				ev.MemoryMaxHits = readInt(filepath.Join(d.path, "memory.failcnt"))
				ev.MemoryPeakBytes = readInt(filepath.Join(d.path, "memory.max_usage_in_bytes"))
			case lim == LimitPids:
				ev.PidsMax = read(filepath.Join(d.path, "pids.events"), "max")
			case lim == LimitCPU:
				ev.CPUThrottled = read(filepath.Join(d.path, "cpu.stat"), "nr_throttled")
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return ev, fmt.Errorf("cgroup: Events of %s: %w", g.name, err)
	}
	return ev, nil
}

// readKeyed reads "key value" from a flat-keyed control file.
func readKeyed(file, key string) (int64, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, " ")
		if ok && k == key {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: %s: %w", file, key, err)
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("%s: no %q line (kernel too old?)", file, key)
}

// eventValue reads a key of a flat-keyed file, or -1.
func eventValue(file, key string) int64 {
	v, err := readKeyed(file, key)
	if err != nil {
		return -1
	}
	return v
}

// readInt reads a single-number file; missing or unreadable reads as 0
// (used only for optional counters).
func readInt(file string) int64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// Cleanup removes stale groups: every empty group whose name starts with
// prefix, in every hierarchy's ringfence parent, except groups named by
// UniqueName for a process that is still alive. Non-empty groups belong to
// a running sandbox (or to one a SIGKILLed supervisor left running) and stay.
// Call it at start-up.
func Cleanup(prefix string) error {
	if strings.ContainsAny(prefix, "/\x00") {
		return fmt.Errorf("cgroup: Cleanup: invalid prefix %q", prefix)
	}
	h, err := realHost()
	if err != nil {
		return err
	}
	return h.cleanup(prefix)
}

func (h *host) cleanup(prefix string) error {
	var errs []error
	for _, hi := range h.hierarchies() {
		if hi.base == "" {
			continue
		}
		parent := filepath.Join(hi.base, parentName)
		entries, err := os.ReadDir(parent)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			if !e.IsDir() || !strings.HasPrefix(e.Name(), prefix) || ownerAlive(e.Name(), prefix) {
				continue
			}
			dir := filepath.Join(parent, e.Name())
			pids, err := treePids(dir)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			if len(pids) > 0 {
				continue
			}
			if err := removeTree(dir, time.Now()); err != nil && !isBusy(err) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// ownerAlive reports whether a name made by UniqueName(prefix) belongs to a
// live process.
func ownerAlive(name, prefix string) bool {
	rest := strings.TrimPrefix(name, prefix)
	num, _, ok := strings.Cut(rest, "-")
	if !ok {
		return false
	}
	pid, err := strconv.Atoi(num)
	return err == nil && pid > 0 && processAlive(pid)
}
