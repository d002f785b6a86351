package cgroup

import (
	"os"
	"path/filepath"
)

// Report says what this machine and privilege level offer. It is what
// `ringfence run --dry-run` shows for the cgroup layer.
type Report struct {
	// Mode is "v2" (unified only), "v1" (v1 only), "hybrid" (both) or
	// "none" (no cgroup hierarchy mounted).
	Mode string `json:"mode"`
	// Root is true when running with euid 0.
	Root bool `json:"root"`
	// CanCreate is true when New can create a group in some hierarchy (as
	// root, or in a delegated cgroup); false means a zero Limits yields a
	// Group that tracks nothing.
	CanCreate bool `json:"can_create"`
	// V2 describes the unified hierarchy, when mounted.
	V2 *HierarchyReport `json:"v2,omitempty"`
	// V1 describes each v1 hierarchy with a controller.
	V1 []HierarchyReport `json:"v1,omitempty"`
	// Memory, Pids and CPU say whether each limit can be enforced, and how.
	Memory Support `json:"memory"`
	Pids   Support `json:"pids"`
	CPU    Support `json:"cpu"`
	// Kill says how Group.Kill will find and kill the sandbox's processes.
	Kill Support `json:"kill"`
}

// HierarchyReport describes one mounted hierarchy.
type HierarchyReport struct {
	Mount string `json:"mount"`
	// Controllers: for v2 those available where groups are created (the
	// ones we may enable for them, i.e. delegatable); for v1 those mounted.
	Controllers []string `json:"controllers"`
	// Enabled (v2) are the controllers already in Parent's parent
	// cgroup.subtree_control.
	Enabled []string `json:"enabled,omitempty"`
	// Parent is the directory groups are created in ("…/ringfence").
	Parent string `json:"parent,omitempty"`
	// Writable says whether we may create groups here; Delegated that we
	// may because our own cgroup was delegated to us, not as root.
	Writable  bool   `json:"writable"`
	Delegated bool   `json:"delegated,omitempty"`
	Why       string `json:"why,omitempty"`
	// Kill (v2) is true when groups have cgroup.kill (Linux 5.14).
	Kill bool `json:"kill,omitempty"`
}

// Support says whether one feature works and how, or why not.
type Support struct {
	OK  bool   `json:"ok"`
	Via string `json:"via,omitempty"` // "cgroup v1 /sys/fs/cgroup/memory", "cgroup.kill", …
	Why string `json:"why,omitempty"`
}

// Probe inspects the machine without creating anything.
func Probe() Report {
	h, err := realHost()
	if err != nil {
		r := Report{Mode: "none", Root: os.Geteuid() == 0}
		no := Support{Why: err.Error()}
		r.Memory, r.Pids, r.CPU, r.Kill = no, no, no, no
		return r
	}
	return h.probe()
}

func (h *host) probe() Report {
	hs := h.hierarchies()
	r := Report{Root: h.euid == 0}
	var has1, has2 bool
	for _, hi := range hs {
		hr := HierarchyReport{Mount: hi.mount, Controllers: hi.controllers, Writable: hi.base != "",
			Delegated: hi.delegated, Why: hi.why}
		if hr.Controllers == nil {
			hr.Controllers = []string{}
		}
		if hi.base != "" {
			hr.Parent = filepath.Join(hi.base, parentName)
			r.CanCreate = true
		}
		if hi.v2 {
			has2 = true
			dir := hi.base
			if dir == "" {
				dir = hi.mount
			}
			hr.Enabled = readControllers(filepath.Join(dir, "cgroup.subtree_control"))
			hr.Kill = v2HasKill(hi)
			r.V2 = &hr
		} else {
			has1 = true
			r.V1 = append(r.V1, hr)
		}
	}
	switch {
	case has1 && has2:
		r.Mode = "hybrid"
	case has2:
		r.Mode = "v2"
	case has1:
		r.Mode = "v1"
	default:
		r.Mode = "none"
	}
	p := makePlan(hs, "probe", Limits{MemoryBytes: 1 << 30, Pids: 1, CPUs: 1})
	support := func(lim string) Support {
		if d := p.where[lim]; d != nil {
			return Support{OK: true, Via: d.h.String()}
		}
		for _, e := range p.errs {
			if e.Limit == lim {
				return Support{Why: e.Reason}
			}
		}
		return Support{}
	}
	r.Memory, r.Pids, r.CPU = support(LimitMemory), support(LimitPids), support(LimitCPU)
	r.Kill = killSupport(p)
	return r
}

// killSupport says which kill method a group made from p would use.
func killSupport(p *plan) Support {
	switch {
	case p.track != nil && p.track.h.v2 && v2HasKill(p.track.h):
		return Support{OK: true, Via: "cgroup.kill"}
	case p.track != nil && p.track.h.v2:
		return Support{OK: true, Via: "cgroup.freeze"}
	case p.track != nil:
		return Support{OK: true, Via: "freezer"}
	case len(p.dirs) > 0:
		return Support{OK: true, Via: "signals"}
	}
	why := "no cgroup hierarchy is writable"
	for _, e := range p.errs {
		why = e.Reason
		break
	}
	return Support{Why: why}
}

// v2HasKill reports whether groups of a v2 hierarchy have cgroup.kill: an
// existing non-root group tells (the root group never has the file), else
// the kernel version does.
func v2HasKill(hi *hierarchy) bool {
	dirs := []string{hi.own}
	if hi.base != "" {
		dirs = append(dirs, hi.base, filepath.Join(hi.base, parentName))
	}
	for _, dir := range dirs {
		if dir == "" || dir == hi.mount {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "cgroup.kill")); err == nil {
			return true
		} else if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err == nil {
			return false // a group without cgroup.kill
		}
	}
	return kernelAtLeast(5, 14)
}
