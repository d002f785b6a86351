package cgroup

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// controllerOf is the cgroup controller that enforces each limit; v1 and v2
// use the same names.
var controllerOf = map[string]string{LimitMemory: "memory", LimitPids: "pids", LimitCPU: "cpu"}

// controlWrite is one write to a control file of a new group.
type controlWrite struct {
	file, value string
	limit       string // the limit it enforces
	// optional writes are skipped when the file does not exist (a kernel
	// without swap accounting has no memory.swap.max).
	optional bool
	// onlyWithout, when set, skips the write if that file exists.
	onlyWithout string
}

// dirPlan is one directory New creates.
type dirPlan struct {
	h      *hierarchy
	dir    string   // the group directory
	limits []string // the limits it enforces
	writes []controlWrite
}

// plan says, for a name and Limits, which directories New creates and what
// it writes; or, for each limit it cannot enforce, why.
type plan struct {
	dirs  []*dirPlan // v2 first
	track *dirPlan   // the directory that tracks every process (v2, or the v1 freezer); nil if none
	where map[string]*dirPlan
	errs  []*LimitError
}

// makePlan places each requested limit in a hierarchy: v2 when the unified
// hierarchy offers its controller where we may write, else the v1 hierarchy
// that has it. A tracking directory is added even when no limit needs it.
func makePlan(hs []*hierarchy, name string, l Limits) *plan {
	p := &plan{where: map[string]*dirPlan{}}
	byHier := map[*hierarchy]*dirPlan{}
	use := func(h *hierarchy) *dirPlan {
		if d := byHier[h]; d != nil {
			return d
		}
		d := &dirPlan{h: h, dir: filepath.Join(h.base, parentName, name)}
		byHier[h] = d
		p.dirs = append(p.dirs, d)
		return d
	}
	var v2 *hierarchy
	for _, h := range hs {
		if h.v2 {
			v2 = h
			break
		}
	}
	// The tracking directory goes first so Add and Kill reach it first.
	if v2 != nil && v2.base != "" {
		p.track = use(v2)
	} else if fz := findV1(hs, "freezer"); fz != nil && fz.base != "" {
		p.track = use(fz)
	}
	for _, lim := range l.requested() {
		ctrl := controllerOf[lim]
		h, why := placeLimit(hs, v2, ctrl)
		if h == nil {
			p.errs = append(p.errs, &LimitError{Limit: lim, Value: l.value(lim), Reason: why})
			continue
		}
		d := use(h)
		d.limits = append(d.limits, lim)
		for _, w := range limitWrites(h.v2, lim, l) {
			w.limit = lim
			d.writes = append(d.writes, w)
		}
		p.where[lim] = d
	}
	return p
}

// placeLimit finds the hierarchy for one controller, or says why there is none.
func placeLimit(hs []*hierarchy, v2 *hierarchy, ctrl string) (*hierarchy, string) {
	if v2 != nil && v2.base != "" && v2.has(ctrl) {
		return v2, ""
	}
	v1 := findV1(hs, ctrl)
	if v1 != nil && v1.base != "" {
		return v1, ""
	}
	if v1 != nil {
		return nil, v1.why
	}
	if v2 != nil && v2.has(ctrl) {
		return nil, v2.why
	}
	var where []string
	if v2 != nil {
		dir := v2.base
		if dir == "" {
			dir = v2.mount
		}
		ctrls := strings.Join(v2.controllers, " ")
		if ctrls == "" {
			ctrls = "none"
		}
		msg := fmt.Sprintf("the %s controller is not in cgroup v2's %s/cgroup.controllers (%s)", ctrl, dir, ctrls)
		if v2.delegated {
			msg += "; ask for it in the delegation (systemd: Delegate=" + ctrl + ")"
		}
		where = append(where, msg)
	}
	where = append(where, fmt.Sprintf("no cgroup v1 hierarchy with the %s controller is mounted", ctrl))
	if v2 == nil {
		where = append(where, "no cgroup2 hierarchy is mounted")
	}
	return nil, strings.Join(where, "; ")
}

func findV1(hs []*hierarchy, ctrl string) *hierarchy {
	for _, h := range hs {
		if !h.v2 && h.has(ctrl) {
			return h
		}
	}
	return nil
}

// limitWrites lists the control file writes that enforce one limit.
func limitWrites(v2 bool, lim string, l Limits) []controlWrite {
	switch lim {
	case LimitMemory:
		n := strconv.FormatInt(l.MemoryBytes, 10)
		if v2 {
			return []controlWrite{
				{file: "memory.max", value: n},
				{file: "memory.swap.max", value: "0", optional: true},
			}
		}
		// The memory limit must be set before memsw (memsw >= memory).
		return []controlWrite{
			{file: "memory.limit_in_bytes", value: n},
			{file: "memory.memsw.limit_in_bytes", value: n, optional: true},
			{file: "memory.swappiness", value: "0", optional: true, onlyWithout: "memory.memsw.limit_in_bytes"},
			{file: "memory.oom_control", value: "0", optional: true},
		}
	case LimitPids:
		return []controlWrite{{file: "pids.max", value: strconv.FormatInt(l.Pids, 10)}}
	case LimitCPU:
		q := strconv.FormatInt(l.cpuQuota(), 10)
		if v2 {
			return []controlWrite{{file: "cpu.max", value: q + " " + strconv.Itoa(cpuPeriodMicros)}}
		}
		return []controlWrite{
			{file: "cpu.cfs_period_us", value: strconv.Itoa(cpuPeriodMicros)},
			{file: "cpu.cfs_quota_us", value: q},
		}
	}
	return nil
}

// controllers lists the v2 controllers a directory needs enabled in its
// ancestors' cgroup.subtree_control.
func (d *dirPlan) controllers() []string {
	var out []string
	for _, lim := range d.limits {
		out = append(out, controllerOf[lim])
	}
	return out
}

// err joins the plan's limit errors (nil when every limit is placed).
func (p *plan) err() error {
	switch len(p.errs) {
	case 0:
		return nil
	case 1:
		return p.errs[0]
	}
	return &multiLimitError{p.errs}
}

// multiLimitError carries every limit that cannot be enforced.
type multiLimitError struct{ errs []*LimitError }

func (m *multiLimitError) Error() string {
	var s []string
	for _, e := range m.errs {
		s = append(s, e.Error())
	}
	return strings.Join(s, "\n")
}

func (m *multiLimitError) Unwrap() []error {
	out := make([]error, len(m.errs))
	for i, e := range m.errs {
		out[i] = e
	}
	return out
}
