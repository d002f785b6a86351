package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ringfence/ringfence/sandbox"
)

// applyIsolation applies `run --isolation`. With "pipe" the sandbox's file
// system is replaced by a root that holds only a copy of CMD (which must be
// a static binary), the limits are the pipe profile's, and the policy is the
// built-in pipe-worker unless --policy names another. Flags that shape the
// file system cannot be combined with it. The returned cleanup removes the
// root after the run.
func (f *runFlags) applyIsolation(cmd *cobra.Command, cfg sandbox.Config, args []string) (sandbox.Config, []string, func(), error) {
	nothing := func() {}
	switch f.isolation {
	case "", "none":
		return cfg, args, nothing, nil
	case "pipe":
	default:
		return cfg, args, nothing, fmt.Errorf("--isolation %s: unknown profile (known: none, pipe)", f.isolation)
	}
	for _, name := range []string{"rootfs", "ro-bind", "bind", "tmpfs", "chdir", "net", "keep-fd", "nofile", "fsize"} {
		if cmd.Flags().Changed(name) {
			return cfg, args, nothing, fmt.Errorf("--isolation pipe sets the file system, network and limits itself: drop --%s", name)
		}
	}
	root, err := sandbox.NewPipeRoot(args[0])
	if err != nil {
		return cfg, args, nothing, err
	}
	pipe := sandbox.PipeIsolation(root)
	// What the profile leaves to the flags: identity, environment, time.
	pipe.UID, pipe.GID, pipe.KeepEnv, pipe.Hostname = cfg.UID, cfg.GID, cfg.KeepEnv, cfg.Hostname
	pipe.Timeout, pipe.Rlimits.CPUTime, pipe.Landlock, pipe.SeccompOff = cfg.Timeout, cfg.Rlimits.CPUTime, cfg.Landlock, cfg.SeccompOff
	pipe.Limits, pipe.Mlock, pipe.TTY = cfg.Limits, cfg.Mlock, cfg.TTY
	if pipe.Hostname == "" {
		pipe.Hostname = "pipe"
	}
	if !cmd.Flags().Changed("policy") {
		f.policy = "pipe-worker"
	}
	return pipe, append([]string{root.Path()}, args[1:]...), func() { root.Close() }, nil
}
