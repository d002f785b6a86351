// Package syscalls holds the per-architecture system call tables, the audit
// architecture values seccomp sees in seccomp_data.arch, syscall groups in the
// style of systemd's SystemCallFilter= sets, and the argument names and
// symbolic constants policies use.
//
// The tables are generated (see gen/ and zz_generated_*.go) from the kernel
// UAPI headers shipped in Debian's linux-libc-dev packages; nothing in them is
// typed by hand.
//
// # Syscall tables
//
// Number, Name, Table, Names, MaxNumber, AllNames and Known look syscalls up
// per ABI (Arch). The inputs are pinned in gen/inputs.txt (Debian trixie's
// linux-libc-dev, which carries every architecture's asm/ headers, and
// libc6-dev); gen/fetch.sh downloads exactly those .debs and checks their
// sha256, and `go generate ./syscalls` rewrites the zz_generated_*.go files.
// A normal build needs neither network nor headers. HeaderVersion names the
// kernel version of the headers.
//
// The generator does not parse C. It asks the host gcc: `gcc -E -dD` lists the
// macros an ABI's headers define, and a C file whose array initialisers are
// those macros, compiled with -S (never linked or run), shows the folded
// values in the assembly. So __X32_SYSCALL_BIT + 512, _IOW('T', 1, int),
// enumerators and sizeof(long) on 32-bit ABIs come out exactly as a C
// compiler for that ABI computes them. x32 numbers keep X32SyscallBit; ARM's
// private calls (breakpoint, cacheflush, usr26, usr32, set_tls, get_tls) are
// 0x0f0000 + n; arm's sync_file_range2 is an alias of arm_sync_file_range,
// which Number accepts and Name and Table do not return.
//
// # Errno values
//
// ErrnoName, ErrnoValue and ErrnoNames come from asm-generic/errno*.h, which
// all supported ABIs share. Aliases (EWOULDBLOCK, EDEADLOCK, glibc's ENOTSUP)
// resolve; ErrnoName returns the primary name.
//
// # Constants
//
// Constant returns the x86_64 value of a symbolic constant from the families
// listed in gen/data.go (AF_, SOCK_, IPPROTO_, CLONE_, PR_, PROT_, MAP_, O_,
// AT_, F_, TIOC/TC/FIO/SIOC ioctls, SIG, PER_ and personality flags, MS_,
// MADV_, SECCOMP_, KEYCTL_, FUTEX_, NETLINK_, SOL_/SO_, CAP_, RLIMIT_, EFD_,
// GRND_, UFFD_, PTRACE_, IORING_, and more). Policies compile for the native
// ABI's values; ConstantFor gives another ABI's, which differ for the O_*
// open flags (O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE on arm and
// aarch64), ioctl numbers and limits that depend on sizeof(long), 32-bit
// F_GETLK64 and the like, and arch-only names (MAP_32BIT, ARCH_*). AF_*,
// SOCK_*, SOL_*, MSG_* and SHUT_* come from glibc's headers (the kernel keeps
// them out of its UAPI) and are the same on every supported ABI.
//
// Negative C values are stored as their 64-bit two's complement: AT_FDCWD
// (-100) is 0xffffffffffffff9c. For an int argument (ArgKind.Width32) a
// policy compares the low 32 bits, 0xffffff9c, which is what the kernel
// reads. 32-bit ABIs evaluate unsigned long as 32 bits (RLIM_INFINITY is
// 0xffffffff on arm) and time_t as the classic 32-bit one for the
// SO_TIMESTAMP*/SIOCGSTAMP* values.
//
// # Argument specs and groups (hand-written data)
//
// Args, ArgsFor and ArgIndex describe the arguments of the syscalls policies
// filter by argument: name, C kind (what seccomp must compare: 32 or 64 bits)
// and the constant prefixes each takes. The UAPI has no machine-readable
// prototypes, so args.txt was written by hand from the kernel's
// SYSCALL_DEFINE prototypes and the man pages; kinds follow the type the
// kernel reads. Args lists clone in x86_64 order (flags, stack, parent_tid,
// child_tid, tls); ArgsFor swaps the last two on i386, arm, aarch64 and
// riscv64 (CONFIG_CLONE_BACKWARDS).
//
// Group, GroupNames, GroupDescription and GroupIncludes give syscall groups
// after systemd's SystemCallFilter= sets (@system-service, @privileged,
// ...), written by hand in groups.txt from systemd's documented sets; groups
// include groups and are expanded to the calls some table knows.
// docs/groups.md lists them and a test keeps it current.
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
