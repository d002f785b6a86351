// Package inspect reports what confines a running process: its seccomp mode
// and filters, no_new_privs, capabilities, namespaces compared with PID 1's,
// id maps, cgroup and LSM labels, and rates the result the way
// `systemd-analyze security` rates a unit: an exposure score from 0 (fully
// confined) to 10 (nothing confines it), with the checks that cost points.
//
// The Linux side (inspect_linux.go) reads /proc and, for the filters
// themselves, uses PTRACE_SECCOMP_GET_FILTER, which needs CAP_SYS_ADMIN.
package inspect

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ringfence/ringfence/syscalls"
)

// Report describes one process.
type Report struct {
	PID            int               `json:"pid"`
	Exe            string            `json:"exe,omitempty"`
	Cmdline        string            `json:"cmdline,omitempty"`
	SeccompMode    int               `json:"seccomp_mode"` // 0 none, 1 strict, 2 filter
	SeccompFilters int               `json:"seccomp_filters"`
	NoNewPrivs     bool              `json:"no_new_privs"`
	Dumpable       *bool             `json:"dumpable,omitempty"` // nil when it cannot be read
	Caps           Caps              `json:"capabilities"`
	Namespaces     []Namespace       `json:"namespaces"`
	UIDMap         string            `json:"uid_map"`
	GIDMap         string            `json:"gid_map"`
	Cgroup         string            `json:"cgroup"`
	LSMs           []string          `json:"lsms,omitempty"`   // active on the machine
	Labels         map[string]string `json:"labels,omitempty"` // per LSM, from /proc/PID/attr
	Score          float64           `json:"exposure"`         // 0 (confined) .. 10 (exposed)
	Verdict        string            `json:"verdict"`
	Findings       []Finding         `json:"findings"`
}

// Caps are the capability sets, by name.
type Caps struct {
	Effective   []string `json:"effective"`
	Permitted   []string `json:"permitted"`
	Inheritable []string `json:"inheritable"`
	Bounding    []string `json:"bounding"`
	Ambient     []string `json:"ambient"`
}

// Namespace is one namespace of the process compared with PID 1's.
type Namespace struct {
	Type     string `json:"type"`
	ID       string `json:"id"`
	Isolated bool   `json:"isolated"` // differs from PID 1's
}

// Finding is one check that costs exposure points.
type Finding struct {
	Check  string  `json:"check"`
	Weight float64 `json:"weight"`
	Detail string  `json:"detail"`
}

// checks are data: what an auditor looks for and what it costs. Weights
// add up to 10.
var weights = map[string]float64{
	"seccomp":       2.0,
	"no_new_privs":  1.0,
	"cap_effective": 1.5,
	"cap_bounding":  1.0,
	"ns_user":       1.0,
	"ns_mnt":        0.8,
	"ns_pid":        0.6,
	"ns_net":        0.8,
	"ns_ipc":        0.3,
	"ns_uts":        0.2,
	"ns_cgroup":     0.2,
	"host_root":     0.4,
}

// Rate fills Score, Verdict and Findings from the facts.
func (r *Report) Rate() {
	r.Findings = nil
	add := func(check, detail string) {
		r.Findings = append(r.Findings, Finding{check, weights[check], detail})
	}
	switch r.SeccompMode {
	case 0:
		add("seccomp", "no seccomp filter: every syscall reaches the kernel")
	case 2:
		if r.SeccompFilters == 0 {
			add("seccomp", "seccomp mode 2 but no filter count reported")
		}
	}
	if !r.NoNewPrivs {
		add("no_new_privs", "no_new_privs is not set: setuid binaries and file capabilities can raise privileges")
	}
	if len(r.Caps.Effective) > 0 {
		add("cap_effective", "effective capabilities: "+strings.Join(r.Caps.Effective, ", "))
	}
	if len(r.Caps.Bounding) > 0 {
		add("cap_bounding", fmt.Sprintf("%d capabilities left in the bounding set", len(r.Caps.Bounding)))
	}
	for _, ns := range r.Namespaces {
		if !ns.Isolated {
			if _, ok := weights["ns_"+ns.Type]; ok {
				add("ns_"+ns.Type, ns.Type+" namespace shared with PID 1")
			}
		}
	}
	if strings.HasPrefix(strings.TrimSpace(r.UIDMap), "0 0 ") {
		add("host_root", "uid 0 inside is uid 0 on the host")
	}
	r.Score = 0
	for _, f := range r.Findings {
		r.Score += f.Weight
	}
	if r.Score > 10 {
		r.Score = 10
	}
	sort.SliceStable(r.Findings, func(i, j int) bool { return r.Findings[i].Weight > r.Findings[j].Weight })
	switch {
	case r.Score < 1:
		r.Verdict = "OK"
	case r.Score < 4:
		r.Verdict = "MEDIUM"
	case r.Score < 7:
		r.Verdict = "EXPOSED"
	default:
		r.Verdict = "UNSAFE"
	}
}

// CapNames decodes a capability mask (CapEff etc. in /proc/PID/status).
func CapNames(mask uint64) []string {
	names := []string{}
	for bit := 0; bit < 64; bit++ {
		if mask&(1<<bit) == 0 {
			continue
		}
		names = append(names, capName(bit))
	}
	return names
}

var capByNumber map[int]string

func capName(bit int) string {
	if capByNumber == nil {
		capByNumber = map[int]string{}
		for _, n := range syscalls.ConstantNames() {
			if strings.HasPrefix(n, "CAP_") && n != "CAP_LAST_CAP" {
				if v, ok := syscalls.Constant(n); ok && v < 64 {
					if _, dup := capByNumber[int(v)]; !dup {
						capByNumber[int(v)] = n
					}
				}
			}
		}
	}
	if n, ok := capByNumber[bit]; ok {
		return n
	}
	return fmt.Sprintf("cap_%d", bit)
}

// String is the human report.
func (r *Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d  %s\n", r.PID, r.Exe)
	if r.Cmdline != "" {
		fmt.Fprintf(&b, "  cmdline:      %s\n", r.Cmdline)
	}
	modes := []string{"0 (none)", "1 (strict)", "2 (filter)"}
	mode := fmt.Sprint(r.SeccompMode)
	if r.SeccompMode >= 0 && r.SeccompMode < len(modes) {
		mode = modes[r.SeccompMode]
	}
	fmt.Fprintf(&b, "  seccomp:      mode %s, %d filters\n", mode, r.SeccompFilters)
	fmt.Fprintf(&b, "  no_new_privs: %v\n", r.NoNewPrivs)
	if r.Dumpable != nil {
		fmt.Fprintf(&b, "  dumpable:     %v\n", *r.Dumpable)
	}
	fmt.Fprintf(&b, "  caps:         effective [%s] permitted [%s] ambient [%s]\n", strings.Join(r.Caps.Effective, " "), strings.Join(r.Caps.Permitted, " "), strings.Join(r.Caps.Ambient, " "))
	fmt.Fprintf(&b, "                bounding: %d capabilities\n", len(r.Caps.Bounding))
	for _, ns := range r.Namespaces {
		state := "shared with pid 1"
		if ns.Isolated {
			state = "isolated"
		}
		fmt.Fprintf(&b, "  ns %-9s %s (%s)\n", ns.Type+":", state, ns.ID)
	}
	fmt.Fprintf(&b, "  uid_map:      %s\n", oneLine(r.UIDMap))
	fmt.Fprintf(&b, "  gid_map:      %s\n", oneLine(r.GIDMap))
	fmt.Fprintf(&b, "  cgroup:       %s\n", oneLine(r.Cgroup))
	if len(r.LSMs) > 0 {
		fmt.Fprintf(&b, "  LSMs:         %s\n", strings.Join(r.LSMs, ","))
	}
	for lsm, label := range r.Labels {
		fmt.Fprintf(&b, "  label %s: %s\n", lsm, label)
	}
	fmt.Fprintf(&b, "  exposure:     %.1f/10 %s\n", r.Score, r.Verdict)
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "    -%.1f %s\n", f.Weight, f.Detail)
	}
	return b.String()
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", " | ")), " ")
}
