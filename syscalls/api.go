package syscalls

// This file fixes the API other packages use. The bodies read the generated
// tables (zz_generated_*.go).

// Syscall is one entry of an ABI's table.
type Syscall struct {
	Name string
	Nr   int // x32 numbers include X32SyscallBit, as in unistd_x32.h
}

// ArgKind says how a syscall argument is compared.
type ArgKind uint8

const (
	ArgUnknown ArgKind = iota
	ArgInt             // C int: only the low 32 bits are meaningful, signed
	ArgUint            // C unsigned int: low 32 bits, unsigned
	ArgLong            // long / size_t / off_t: 64 bits on 64-bit ABIs
	ArgPointer         // user pointer: comparing it is rarely meaningful
	ArgPath            // pointer to a path string
	ArgFD              // file descriptor (int)
)

// ArgSpec names one argument of a syscall and the constants it takes.
type ArgSpec struct {
	Name   string
	Kind   ArgKind
	Consts []string // constant name prefixes this argument takes, e.g. "AF_"
	Flags  bool     // a bit set: | of constants
}
