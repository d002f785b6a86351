package seccomp

import (
	"strings"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// DisasmOptions names syscalls, architectures and return actions in
// bpf.Disassemble listings.
func DisasmOptions() bpf.DisasmOptions {
	return bpf.DisasmOptions{
		SyscallName: syscallName,
		ArchName:    archName,
		RetName:     func(ret uint32) string { return strings.ToUpper(ActionFromRet(ret).String()) },
	}
}

// ABIOf maps an audit arch and syscall number to the ABI the kernel uses.
func ABIOf(auditArch uint32, nr uint32) (syscalls.Arch, bool) {
	if auditArch == syscalls.AuditArchX86_64 {
		if nr&syscalls.X32SyscallBit != 0 {
			return syscalls.ArchX32, true
		}
		return syscalls.ArchX86_64, true
	}
	for _, a := range syscalls.Arches {
		if a.AuditArch() == auditArch {
			return a, true
		}
	}
	return syscalls.ArchInvalid, false
}

func syscallName(auditArch uint32, nr uint32) (string, bool) {
	abi, ok := ABIOf(auditArch, nr)
	if !ok {
		return "", false
	}
	return syscalls.Name(abi, int(nr))
}

func archName(auditArch uint32) (string, bool) {
	if auditArch == syscalls.AuditArchX86_64 {
		return "x86_64", true
	}
	abi, ok := ABIOf(auditArch, 0)
	if !ok {
		return "", false
	}
	return abi.String(), true
}
