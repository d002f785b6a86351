//go:build !linux

package sandbox

import (
	"errors"
	"os"
	"syscall"
)

var errNotLinux = errors.New("sandbox: ringfence runs programs only on Linux")

type supervisor struct {
	done bool
	exit exitReport
}

// Start is not available on this OS.
func (c *Cmd) Start() error { return errNotLinux }

// Wait is not available on this OS.
func (c *Cmd) Wait() error { return errNotLinux }

// Signal is not available on this OS.
func (c *Cmd) Signal(os.Signal) error { return errNotLinux }

// Probe reports that nothing can be enforced off Linux.
func Probe(cfg *Config) *Report {
	return &Report{Refusal: errNotLinux.Error(), Layers: []Layer{{Name: "all", Requested: "sandbox", Enforced: "none", Detail: "not Linux"}}}
}

func unixErrnoName(syscall.Errno) string { return "" }

func memlockLimit() string { return "unknown" }
