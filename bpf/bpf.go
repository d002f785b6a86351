// Package bpf is ringfence's classic-BPF toolkit for seccomp: the instruction
// type, a builder with symbolic labels, a validator that applies the kernel's
// rules for seccomp filters (kernel/seccomp.c seccomp_check_filter and
// net/core/filter.c bpf_check_classic), an emulator over seccomp_data and a
// disassembler.
//
// Instructions are golang.org/x/net/bpf's RawInstruction (struct sock_filter).
// The emulator is our own: x/net/bpf's VM models packet filters (big-endian
// loads, packet length) and not the seccomp machine, and the emulator is what
// ringfence's correctness tests stand on.
//
// # Builder
//
// Builder emits instructions with symbolic labels and Assemble resolves
// them. Classic BPF jumps only forward; conditional jumps carry 8-bit
// offsets (0..255), so when a target is farther Assemble inserts a
// trampoline, an unconditional JA with a 32-bit offset, right after the
// jump (or, when the target is a return, a copy of it: same size, one
// instruction fewer to run). Jumps to the very next instruction are
// dropped. The contract code generators follow, which Assemble checks: every
// block ends in a jump or a return (nothing falls off the end), every
// label jumped to is placed exactly once, after the jump, and before an
// instruction. The label and trampoline logic is ours because
// x/net/bpf.Assemble takes resolved offsets only.
//
// # Validator
//
// Validate applies the kernel's load-time rules for seccomp filters, so
// that a program it accepts is one seccomp(2) accepts and vice versa; the
// tests check that against the running kernel.
//
// # Emulator
//
// Run and RunCounted execute a program on a SeccompData with the kernel's
// semantics (see Run), allocation-free, for differential tests and for
// counting the instructions a syscall costs.
//
// # Disassembler
//
// Disassemble prints one line per instruction in the style of libseccomp's
// scmp_bpf_disasm and seccomp-tools: a bpf_asm mnemonic, then C-like code
// with absolute jump targets and seccomp_data field names. Syscall,
// architecture and action names come from callbacks (DisasmOptions),
// because the tables and action types live in packages above this one; a
// syscall number is named only where every path to it compared the
// architecture equal to one ABI.
//
// # How it is tested
//
// Against the running kernel, each filter installed in its own forked child
// of a small C helper (testdata/seccomp_helper.c): Validate must accept
// exactly the programs seccomp(2) accepts (edge cases, all 256 one-byte
// opcodes, random and mutated programs), and for random valid programs
// whose returns are all rewritten to ERRNO(tag), the errno of raw syscalls
// with random numbers and arguments must be the emulator's verdict. Every
// ALU operation and jump condition is also checked against Go's arithmetic
// on boundary values.
package bpf

import (
	"encoding/binary"
	"fmt"

	netbpf "golang.org/x/net/bpf"
)

// Instruction is one struct sock_filter.
type Instruction = netbpf.RawInstruction

// MaxInstructions is BPF_MAXINSNS: the kernel refuses longer programs.
const MaxInstructions = 4096

// Offsets of struct seccomp_data fields. All ABIs ringfence targets are
// little-endian, so the low half of args[i] is at ArgLow(i).
const (
	OffsetNr   = 0
	OffsetArch = 4
	OffsetIPLo = 8
	OffsetIPHi = 12
	OffsetArgs = 16
	// SeccompDataSize is sizeof(struct seccomp_data).
	SeccompDataSize = 64
)

// ArgLow is the offset of the low 32 bits of syscall argument i (0..5).
func ArgLow(i int) uint32 { return uint32(OffsetArgs + 8*i) }

// ArgHigh is the offset of the high 32 bits of syscall argument i (0..5).
func ArgHigh(i int) uint32 { return uint32(OffsetArgs + 8*i + 4) }

// SeccompData is struct seccomp_data: what a seccomp filter sees.
type SeccompData struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// Bytes is the little-endian memory image of the struct.
func (d SeccompData) Bytes() [SeccompDataSize]byte {
	var b [SeccompDataSize]byte
	binary.LittleEndian.PutUint32(b[0:], uint32(d.Nr))
	binary.LittleEndian.PutUint32(b[4:], d.Arch)
	binary.LittleEndian.PutUint64(b[8:], d.InstructionPointer)
	for i, a := range d.Args {
		binary.LittleEndian.PutUint64(b[16+8*i:], a)
	}
	return b
}

// Marshal encodes a program as the raw struct sock_filter array
// (8 bytes per instruction, native little-endian): what bwrap --seccomp reads.
func Marshal(prog []Instruction) []byte {
	out := make([]byte, 8*len(prog))
	for i, ins := range prog {
		binary.LittleEndian.PutUint16(out[8*i:], ins.Op)
		out[8*i+2] = ins.Jt
		out[8*i+3] = ins.Jf
		binary.LittleEndian.PutUint32(out[8*i+4:], ins.K)
	}
	return out
}

// Unmarshal decodes a raw struct sock_filter array.
func Unmarshal(b []byte) ([]Instruction, error) {
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("raw BPF program is %d bytes, not a multiple of 8 (sizeof struct sock_filter)", len(b))
	}
	prog := make([]Instruction, len(b)/8)
	for i := range prog {
		prog[i] = Instruction{
			Op: binary.LittleEndian.Uint16(b[8*i:]),
			Jt: b[8*i+2],
			Jf: b[8*i+3],
			K:  binary.LittleEndian.Uint32(b[8*i+4:]),
		}
	}
	return prog, nil
}
