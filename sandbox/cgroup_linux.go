package sandbox

import (
	"fmt"
	"os"

	"github.com/ringfence/ringfence/cgroup"
)

// sandboxCgroup is the sandbox's control group, made by package cgroup
// when Config.Limits asks for memory, pids or cpu. Without limits no group
// is made: the pid namespace already ends every process with the init, and
// creating cgroup directories would cost start-up time for nothing. All
// methods are nil-safe.
//
// The init joins the group before it reads its config, so every process
// of the sandbox is inside; the init itself (a few MiB, a few threads)
// counts against the limits too.
type sandboxCgroup struct {
	g *cgroup.Group
}

func limitsRequested(l cgroup.Limits) bool {
	return l.MemoryBytes != 0 || l.Pids != 0 || l.CPUs != 0
}

func newSandboxCgroup(cfg *Config) (*sandboxCgroup, error) {
	if !limitsRequested(cfg.Limits) {
		return nil, nil
	}
	if os.Geteuid() == 0 {
		// A supervisor that was SIGKILLed could not remove its groups; its
		// sandbox died with it (die-with-parent), so they are empty now and
		// the next start that makes groups removes them. Cleanup keeps
		// groups whose supervisor lives. Only root made them.
		_ = cgroup.Cleanup("run-")
	}
	g, err := cgroup.New(cgroup.UniqueName("run-"), cfg.Limits)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	return &sandboxCgroup{g: g}, nil
}

func (s *sandboxCgroup) add(pid int) error {
	if s == nil {
		return nil
	}
	return s.g.Add(pid)
}

func (s *sandboxCgroup) kill() {
	if s != nil {
		s.g.Kill()
	}
}

func (s *sandboxCgroup) destroy() {
	if s != nil {
		s.g.Destroy()
	}
}

// oomDetail says what the memory limit did ("" when its OOM killer killed
// nothing).
func (s *sandboxCgroup) oomDetail() string {
	if s == nil {
		return ""
	}
	ev, err := s.g.Events()
	if err != nil || ev.OOMKills == 0 {
		return ""
	}
	return ev.Explain(s.g.Limits())
}
