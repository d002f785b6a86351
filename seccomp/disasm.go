package seccomp

import (
	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// NameOptions names syscall numbers (per ABI, x32 numbers under
// AUDIT_ARCH_X86_64 included), architectures and return values for
// bpf.Disassemble.
func NameOptions() bpf.DisasmOptions {
	return bpf.DisasmOptions{
		SyscallName: func(audit, nr uint32) (string, bool) {
			for _, a := range syscalls.Arches {
				if a.AuditArch() != audit {
					continue
				}
				if _, ok := ResolveABI([]syscalls.Arch{a}, audit, int32(nr)); !ok { // x32 numbers carry bit 30
					continue
				}
				if nr > 1<<31-1 {
					return "", false
				}
				return syscalls.Name(a, int(nr))
			}
			return "", false
		},
		ArchName: func(audit uint32) (string, bool) {
			for _, a := range syscalls.Arches {
				if a.AuditArch() == audit && a != syscalls.ArchX32 {
					return a.String(), true
				}
			}
			return "", false
		},
		RetName: func(ret uint32) string { return ActionFromRet(ret).String() },
	}
}

// Disassemble renders the program with syscall, arch and action names.
func (p *Program) Disassemble() string { return bpf.Disassemble(p.Instructions, NameOptions()) }
