package cgroup

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// parentName is the directory, in each hierarchy, that holds our groups.
const parentName = "ringfence"

// supervisorLeaf is where New moves the supervisor inside a delegated v2
// cgroup that must hand controllers to its children (see enableControllers).
const supervisorLeaf = "ringfence-supervisor"

// v1Controllers are the controller names a v1 mount's options may list.
var v1Controllers = []string{"blkio", "cpu", "cpuacct", "cpuset", "devices", "freezer",
	"hugetlb", "memory", "misc", "net_cls", "net_prio", "perf_event", "pids", "rdma"}

// host is what discovery reads: the contents of /proc/self/mountinfo and
// /proc/self/cgroup, the effective uid, and a writability test. Tests build
// one over a temporary directory.
type host struct {
	euid       int
	mountinfo  string
	selfCgroup string
	writable   func(path string) bool
	// afterMkdir, when set, runs after each group directory is created; tests
	// use it to play the kernel and create the control files.
	afterMkdir func(dir string, v2 bool)
}

// hierarchy is one mounted cgroup hierarchy, as far as we may use it.
type hierarchy struct {
	v2          bool
	mount       string   // mount point
	controllers []string // v1: from the mount options; v2: cgroup.controllers at base (or the root)
	own         string   // the directory of our own cgroup in it ("" if unknown)
	base        string   // the directory that holds parentName; "" when we may not write
	delegated   bool     // base is our own delegated cgroup, not the hierarchy root
	why         string   // why base is ""
}

func (h *hierarchy) has(ctrl string) bool { return slices.Contains(h.controllers, ctrl) }

func (h *hierarchy) String() string {
	if h.v2 {
		return "cgroup v2 " + h.mount
	}
	return "cgroup v1 " + h.mount
}

// cgroupMount is one cgroup or cgroup2 line of mountinfo.
type cgroupMount struct {
	dev     string // major:minor, the same for bind mounts of one hierarchy
	root    string // the cgroup path mounted
	point   string // where
	v2      bool
	options []string // super options
}

// parseMountinfo returns the cgroup mounts of a /proc/PID/mountinfo text,
// one per hierarchy (the first mount of each wins).
func parseMountinfo(text string) []cgroupMount {
	var out []cgroupMount
	seen := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		// id parent major:minor root point options [optional...] - fstype source superoptions
		fields := strings.Fields(sc.Text())
		sep := slices.Index(fields, "-")
		if sep < 6 || len(fields) < sep+4 {
			continue
		}
		fstype := fields[sep+1]
		if fstype != "cgroup" && fstype != "cgroup2" {
			continue
		}
		m := cgroupMount{
			dev:     fields[2],
			root:    unescapeMountinfo(fields[3]),
			point:   unescapeMountinfo(fields[4]),
			v2:      fstype == "cgroup2",
			options: strings.Split(fields[sep+3], ","),
		}
		if seen[m.dev] {
			continue
		}
		seen[m.dev] = true
		out = append(out, m)
	}
	return out
}

// unescapeMountinfo undoes the kernel's octal escapes (\040 for a space).
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) && isOctal(s[i+1:i+4]) {
			b.WriteByte((s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0'))
			i += 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isOctal(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}

// parseSelfCgroup maps each v1 controller (and "" for v2) to our cgroup path
// in it, from a /proc/PID/cgroup text ("4:memory:/a/b", "0::/c").
func parseSelfCgroup(text string) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out
}

// hierarchies discovers the mounted hierarchies and where we may create
// groups in each. v2 comes first.
func (h *host) hierarchies() []*hierarchy {
	self := parseSelfCgroup(h.selfCgroup)
	var out []*hierarchy
	for _, m := range parseMountinfo(h.mountinfo) {
		hi := &hierarchy{v2: m.v2, mount: m.point}
		key := ""
		if !m.v2 {
			for _, o := range m.options {
				if slices.Contains(v1Controllers, o) {
					hi.controllers = append(hi.controllers, o)
				}
			}
			if len(hi.controllers) == 0 {
				continue // a named hierarchy such as name=systemd: not ours
			}
			key = hi.controllers[0]
		}
		if p, ok := self[key]; ok {
			if rel, ok := cutPath(p, m.root); ok {
				hi.own = filepath.Join(m.point, rel)
			}
		}
		h.locateBase(hi)
		if m.v2 {
			dir := hi.base
			if dir == "" {
				dir = hi.mount
			}
			hi.controllers = readControllers(filepath.Join(dir, "cgroup.controllers"))
		}
		out = append(out, hi)
	}
	slices.SortStableFunc(out, func(a, b *hierarchy) int {
		switch {
		case a.v2 == b.v2:
			return 0
		case a.v2:
			return -1
		}
		return 1
	})
	return out
}

// cutPath returns p relative to root when p is root or below it.
func cutPath(p, root string) (string, bool) {
	p, root = filepath.Clean(p), filepath.Clean(root)
	if root == "/" {
		return p, true
	}
	if p == root {
		return "/", true
	}
	if rest, ok := strings.CutPrefix(p, root+"/"); ok {
		return "/" + rest, true
	}
	return "", false
}

// locateBase decides where groups go in hi: the hierarchy root when we may
// write there (root), else our own cgroup when it has been delegated to us.
func (h *host) locateBase(hi *hierarchy) {
	if h.writable(hi.mount) {
		hi.base = hi.mount
		return
	}
	if hi.own != "" && hi.own != hi.mount &&
		h.writable(hi.own) && h.writable(filepath.Join(hi.own, "cgroup.procs")) {
		hi.base, hi.delegated = hi.own, true
		return
	}
	if h.euid != 0 {
		own := hi.own
		if own == "" {
			own = "our cgroup"
		}
		hi.why = fmt.Sprintf("needs root or a delegated cgroup: run as root, or under systemd-run --user --scope -p Delegate=yes (uid %d may write neither %s nor %s)",
			h.euid, hi.mount, own)
		return
	}
	hi.why = fmt.Sprintf("%s is not writable even as root (a read-only cgroup mount, as in a container?): mount it read-write or run on the host", hi.mount)
}

// readControllers reads a space-separated controller list; a missing file
// reads as none.
func readControllers(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
}
