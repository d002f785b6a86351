// Package syscalls holds the per-architecture system call tables, the audit
// architecture values seccomp sees in seccomp_data.arch, syscall groups in the
// style of systemd's SystemCallFilter= sets, and the argument names and
// symbolic constants policies use.
//
// The tables are generated (see gen/ and zz_generated_*.go) from the kernel
// UAPI headers shipped in Debian's linux-libc-dev packages; nothing in them is
// typed by hand.
package syscalls

import (
	"fmt"
	"strings"
)

// Arch is a syscall ABI as seccomp distinguishes it. x32 shares AUDIT_ARCH
// with x86_64 and is told apart by bit 30 of the syscall number.
type Arch uint8

const (
	ArchInvalid Arch = iota
	ArchX86_64
	ArchI386
	ArchX32
	ArchAArch64
	ArchARM
	ArchRISCV64
)

// Arches lists every ABI the tables know, in a fixed order.
var Arches = []Arch{ArchX86_64, ArchI386, ArchX32, ArchAArch64, ArchARM, ArchRISCV64}

// X32SyscallBit is __X32_SYSCALL_BIT: x32 syscall numbers carry it.
const X32SyscallBit = 0x40000000

// Audit architecture values (linux/audit.h).
const (
	AuditArchX86_64  uint32 = 0xc000003e
	AuditArchI386    uint32 = 0x40000003
	AuditArchAArch64 uint32 = 0xc00000b7
	AuditArchARM     uint32 = 0x40000028
	AuditArchRISCV64 uint32 = 0xc00000f3
)

var archNames = map[Arch]string{
	ArchX86_64:  "x86_64",
	ArchI386:    "i386",
	ArchX32:     "x32",
	ArchAArch64: "aarch64",
	ArchARM:     "arm",
	ArchRISCV64: "riscv64",
}

// archAliases accepts the names other tools use (OCI's SCMP_ARCH_*, Go's GOARCH).
var archAliases = map[string]Arch{
	"x86_64": ArchX86_64, "amd64": ArchX86_64, "scmp_arch_x86_64": ArchX86_64,
	"i386": ArchI386, "x86": ArchI386, "386": ArchI386, "scmp_arch_x86": ArchI386,
	"x32": ArchX32, "scmp_arch_x32": ArchX32,
	"aarch64": ArchAArch64, "arm64": ArchAArch64, "scmp_arch_aarch64": ArchAArch64,
	"arm": ArchARM, "scmp_arch_arm": ArchARM,
	"riscv64": ArchRISCV64, "scmp_arch_riscv64": ArchRISCV64,
}

func (a Arch) String() string {
	if n, ok := archNames[a]; ok {
		return n
	}
	return fmt.Sprintf("arch(%d)", uint8(a))
}

// MarshalText implements encoding.TextMarshaler.
func (a Arch) MarshalText() ([]byte, error) {
	if _, ok := archNames[a]; !ok {
		return nil, fmt.Errorf("unknown arch %d", uint8(a))
	}
	return []byte(a.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Arch) UnmarshalText(b []byte) error {
	v, err := ParseArch(string(b))
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// ParseArch accepts ringfence names, GOARCH names and OCI SCMP_ARCH_* names.
func ParseArch(s string) (Arch, error) {
	if a, ok := archAliases[strings.ToLower(s)]; ok {
		return a, nil
	}
	return ArchInvalid, fmt.Errorf("unknown architecture %q (known: x86_64, i386, x32, aarch64, arm, riscv64)", s)
}

// AuditArch is the value the kernel puts in seccomp_data.arch for this ABI.
func (a Arch) AuditArch() uint32 {
	switch a {
	case ArchX86_64, ArchX32:
		return AuditArchX86_64
	case ArchI386:
		return AuditArchI386
	case ArchAArch64:
		return AuditArchAArch64
	case ArchARM:
		return AuditArchARM
	case ArchRISCV64:
		return AuditArchRISCV64
	}
	return 0
}

// Is64Bit reports whether syscall arguments are 64 bits wide on this ABI.
// x32 passes 64-bit registers, so its arguments are 64-bit in seccomp_data.
func (a Arch) Is64Bit() bool {
	switch a {
	case ArchI386, ArchARM:
		return false
	}
	return true
}

// OCIName is the libseccomp/OCI spelling (SCMP_ARCH_X86_64, ...).
func (a Arch) OCIName() string {
	switch a {
	case ArchX86_64:
		return "SCMP_ARCH_X86_64"
	case ArchI386:
		return "SCMP_ARCH_X86"
	case ArchX32:
		return "SCMP_ARCH_X32"
	case ArchAArch64:
		return "SCMP_ARCH_AARCH64"
	case ArchARM:
		return "SCMP_ARCH_ARM"
	case ArchRISCV64:
		return "SCMP_ARCH_RISCV64"
	}
	return ""
}

// CompanionArches are the ABIs that run on the same kernel as a native one:
// what an attacker can reach from a process of that arch (int $0x80, x32 bit).
func (a Arch) CompanionArches() []Arch {
	switch a {
	case ArchX86_64:
		return []Arch{ArchI386, ArchX32}
	case ArchAArch64:
		return []Arch{ArchARM}
	}
	return nil
}
