//go:build !linux

package seccomp

import (
	"errors"

	"github.com/ringfence/ringfence/bpf"
)

var errNotLinux = errors.New("seccomp: filters can only be installed on Linux")

// Install loads the program into the current process (Linux only).
func (p *Program) Install(flags InstallFlags) (notifyFD int, err error) {
	return -1, errNotLinux
}

// InstallRaw loads prog into the current process (Linux only).
func InstallRaw(prog []bpf.Instruction, flags InstallFlags) (notifyFD int, err error) {
	return -1, errNotLinux
}
