package sandbox

import (
	"fmt"

	"github.com/ringfence/ringfence/cgroup"
)

// sandboxCgroup is the sandbox's control group. Package cgroup creates and
// enforces it; until its New lands in this tree, requesting a limit is an
// error (never a silent no-op). All methods are nil-safe.
type sandboxCgroup struct {
	limits cgroup.Limits
}

func limitsRequested(l cgroup.Limits) bool {
	return l.MemoryBytes != 0 || l.Pids != 0 || l.CPUs != 0
}

func newSandboxCgroup(cfg *Config) (*sandboxCgroup, error) {
	if !limitsRequested(cfg.Limits) {
		return nil, nil
	}
	return nil, fmt.Errorf("sandbox: --memory, --pids and --cpus need cgroups, and this build's package cgroup cannot create groups yet: run without them (or use --nofile/--fsize/--cpu-time rlimits)")
}

func (g *sandboxCgroup) add(pid int) error { return nil }
func (g *sandboxCgroup) kill()             {}
func (g *sandboxCgroup) destroy()          {}

// explain says which limit killed something ("" when none did).
func (g *sandboxCgroup) explain() string { return "" }
