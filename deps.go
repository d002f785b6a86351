//go:build tools

package ringfence

import (
	_ "github.com/landlock-lsm/go-landlock/landlock"
	_ "github.com/opencontainers/runtime-spec/specs-go"
	_ "github.com/spf13/cobra"
	_ "golang.org/x/net/bpf"
	_ "golang.org/x/sys/unix"
	_ "gopkg.in/yaml.v3"
)
