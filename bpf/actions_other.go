//go:build !linux

package bpf

// KernelActions lists the seccomp filter return actions the running kernel
// offers: none off Linux.
func KernelActions() []string { return nil }
