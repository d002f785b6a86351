package cgroup

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Limits are the resource limits of one sandbox. A zero field is unset.
type Limits struct {
	// MemoryBytes caps the sandbox's memory, page cache included; swap is not
	// allowed to extend it (memory.max and memory.swap.max=0 on v2,
	// memory.limit_in_bytes and memory.memsw.limit_in_bytes on v1). When it is
	// reached the kernel's OOM killer kills a process of the sandbox.
	MemoryBytes int64 `json:"memory_bytes,omitempty"`
	// Pids caps the number of processes and threads (pids.max); a fork or
	// clone beyond it fails with EAGAIN.
	Pids int64 `json:"pids,omitempty"`
	// CPUs caps CPU time per wall-clock time: 0.5 is half of one CPU, 2 is two
	// whole CPUs (cpu.max on v2, cpu.cfs_quota_us/cpu.cfs_period_us on v1).
	CPUs float64 `json:"cpus,omitempty"`
}

// cpuPeriodMicros is the CFS period we use; the kernel's default.
const cpuPeriodMicros = 100000

// minCPUQuotaMicros is the kernel's smallest CFS quota (1 ms).
const minCPUQuotaMicros = 1000

// Limit names, as used in LimitError.Limit and in Report.
const (
	LimitMemory = "memory"
	LimitPids   = "pids"
	LimitCPU    = "cpu"
)

// LimitError says that a requested limit cannot be enforced, and why.
type LimitError struct {
	Limit  string // LimitMemory, LimitPids or LimitCPU
	Value  string // the requested value, human readable ("64 MiB")
	Reason string // why, and what to do
	Err    error  // the underlying error, if any (errno kept)
}

func (e *LimitError) Error() string {
	s := fmt.Sprintf("cgroup: cannot enforce %s %s: %s", flagName(e.Limit), e.Value, e.Reason)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *LimitError) Unwrap() error { return e.Err }

// flagName is the ringfence run flag that sets a limit, which is what a user
// recognises in an error message.
func flagName(limit string) string {
	switch limit {
	case LimitCPU:
		return "--cpus"
	default:
		return "--" + limit
	}
}

// Validate checks the values themselves, before any cgroup is touched.
func (l Limits) Validate() error {
	if l.MemoryBytes < 0 {
		return &LimitError{Limit: LimitMemory, Value: strconv.FormatInt(l.MemoryBytes, 10), Reason: "must be a positive number of bytes"}
	}
	if l.Pids < 0 {
		return &LimitError{Limit: LimitPids, Value: strconv.FormatInt(l.Pids, 10), Reason: "must be a positive number of processes"}
	}
	if math.IsNaN(l.CPUs) || math.IsInf(l.CPUs, 0) || l.CPUs < 0 {
		return &LimitError{Limit: LimitCPU, Value: formatCPUs(l.CPUs), Reason: "must be a positive number of CPUs, such as 0.5 or 2"}
	}
	if l.CPUs > 0 {
		if q := l.cpuQuota(); q < minCPUQuotaMicros {
			return &LimitError{Limit: LimitCPU, Value: formatCPUs(l.CPUs),
				Reason: fmt.Sprintf("below the kernel's smallest quota of 1 ms per 100 ms: use at least %s", formatCPUs(float64(minCPUQuotaMicros)/cpuPeriodMicros))}
		}
		if l.CPUs > 1<<20 {
			return &LimitError{Limit: LimitCPU, Value: formatCPUs(l.CPUs), Reason: "too large"}
		}
	}
	return nil
}

// requested lists the limits that are set, in a fixed order.
func (l Limits) requested() []string {
	var r []string
	if l.MemoryBytes > 0 {
		r = append(r, LimitMemory)
	}
	if l.Pids > 0 {
		r = append(r, LimitPids)
	}
	if l.CPUs > 0 {
		r = append(r, LimitCPU)
	}
	return r
}

// value formats the requested value of a limit for messages.
func (l Limits) value(limit string) string {
	switch limit {
	case LimitMemory:
		return FormatBytes(l.MemoryBytes)
	case LimitPids:
		return strconv.FormatInt(l.Pids, 10)
	case LimitCPU:
		return formatCPUs(l.CPUs)
	}
	return ""
}

func (l Limits) cpuQuota() int64 { return int64(math.Round(l.CPUs * cpuPeriodMicros)) }

func formatCPUs(c float64) string { return strconv.FormatFloat(c, 'g', -1, 64) }

// FormatBytes prints a byte count the way people write limits: "64 MiB",
// "1.5 GiB", "1000 bytes".
func FormatBytes(n int64) string {
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	if n < 1024 && n > -1024 {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	f := float64(n)
	u := -1
	for math.Abs(f) >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + units[u]
}

// Events counts what the limits did to a group so far.
type Events struct {
	// OOMKills is how many processes the OOM killer killed because the
	// memory limit was reached.
	OOMKills int64 `json:"oom_kills"`
	// MemoryMaxHits is how many times usage hit the memory limit (v2
	// memory.events "max", v1 memory.failcnt); reclaim may have coped.
	// Recent kernels leave v1's failcnt at 0 (seen on 6.18): use OOMKills.
	MemoryMaxHits int64 `json:"memory_max_hits"`
	// PidsMax is how many forks or clones failed because of the pids limit.
	PidsMax int64 `json:"pids_max"`
	// CPUThrottled is how many CFS periods the group was throttled in.
	CPUThrottled int64 `json:"cpu_throttled"`
	// MemoryPeakBytes is the highest memory usage seen, when the kernel
	// reports it (v2 memory.peak, Linux 5.19; v1 memory.max_usage_in_bytes).
	MemoryPeakBytes int64 `json:"memory_peak_bytes,omitempty"`
}

// Explain says which limits were hit, for the runner's one-line message
// ("memory limit 64 MiB reached (1 process OOM-killed)"). It returns "" when
// no limit did anything that kills or fails a process.
func (e Events) Explain(l Limits) string {
	var parts []string
	if e.OOMKills > 0 {
		p := "process"
		if e.OOMKills > 1 {
			p = "processes"
		}
		parts = append(parts, fmt.Sprintf("memory limit %s reached (%d %s OOM-killed)", l.value(LimitMemory), e.OOMKills, p))
	}
	if e.PidsMax > 0 {
		parts = append(parts, fmt.Sprintf("pids limit %d reached (%d forks refused)", l.Pids, e.PidsMax))
	}
	return strings.Join(parts, "; ")
}
