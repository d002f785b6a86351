package bpf

import "fmt"

// ValidationError says which instruction breaks which of the kernel's rules.
type ValidationError struct {
	Index int // instruction index, or -1 for the program as a whole
	Rule  string
}

func (e *ValidationError) Error() string {
	if e.Index < 0 {
		return "bpf: invalid seccomp program: " + e.Rule
	}
	return fmt.Sprintf("bpf: invalid seccomp program: instruction %d: %s", e.Index, e.Rule)
}

func invalid(i int, format string, args ...any) error {
	return &ValidationError{Index: i, Rule: fmt.Sprintf(format, args...)}
}

// classicOnly are opcodes net/core/filter.c (chk_code_allowed) accepts for
// socket filters but kernel/seccomp.c (seccomp_check_filter) refuses, with
// the reason the error gives.
var classicOnly = map[uint16]string{
	ClassLD | SizeH | ModeABS:        "16-bit loads (LD H ABS) are not allowed in seccomp: load the 32-bit word and mask it",
	ClassLD | SizeB | ModeABS:        "8-bit loads (LD B ABS) are not allowed in seccomp: load the 32-bit word and mask it",
	ClassLD | SizeW | ModeIND:        "indirect loads (LD IND) are not allowed in seccomp: use LD ABS with a constant offset",
	ClassLD | SizeH | ModeIND:        "indirect loads (LD IND) are not allowed in seccomp: use LD ABS with a constant offset",
	ClassLD | SizeB | ModeIND:        "indirect loads (LD IND) are not allowed in seccomp: use LD ABS with a constant offset",
	ClassLDX | SizeB | ModeMSH:       "LDX MSH (IP header length) is not allowed in seccomp",
	ClassALU | uint16(ALUMod) | SrcK: "modulo (ALU MOD) is not allowed in seccomp: compute A - (A / K) * K",
	ClassALU | uint16(ALUMod) | SrcX: "modulo (ALU MOD) is not allowed in seccomp: compute A - (A / X) * X",
}

// Validate applies the kernel's load-time rules for seccomp filters
// (net/core/filter.c bpf_check_classic and check_load_and_stores, then
// kernel/seccomp.c seccomp_check_filter): the kernel accepts a program
// exactly when Validate returns nil. The rules:
//   - 1 to MaxInstructions (4096) instructions;
//   - only the opcodes seccomp allows: LD W ABS (offset a multiple of 4
//     below 64), LD/LDX W LEN, LD/LDX IMM and MEM, ST, STX, the ALU
//     operations but MOD, TAX, TXA, JA, JEQ/JGT/JGE/JSET with K or X, RET K
//     and RET A, each with its exact opcode (no stray bits);
//   - no division by constant zero, no constant shift by 32 or more;
//   - memory slots below 16;
//   - every jump target inside the program;
//   - the last instruction a return;
//   - no read of a memory slot that the straight-line scan since the last
//     jump target has not written (the kernel's conservative flow rule:
//     after any jump, slots count as written only if written on every
//     jump into the target).
func Validate(prog []Instruction) error {
	n := len(prog)
	if n == 0 {
		return invalid(-1, "empty program: a filter needs at least one instruction, ending with a return")
	}
	if n > MaxInstructions {
		return invalid(-1, "%d instructions, more than the kernel's limit of %d: split the policy or simplify it", n, MaxInstructions)
	}
	for pc, ins := range prog {
		k := ins.K
		switch ins.Op {
		case OpLdAbsW:
			if k >= SeccompDataSize || k&3 != 0 {
				return invalid(pc, "load offset %d: seccomp_data loads must be 32-bit aligned and below %d", k, SeccompDataSize)
			}
		case OpLdLenW, OpLdxLenW, OpLdImm, OpLdxImm, OpNeg, OpTax, OpTxa, OpRetK, OpRetA:
		case ClassALU | uint16(ALUAdd) | SrcK, ClassALU | uint16(ALUAdd) | SrcX,
			ClassALU | uint16(ALUSub) | SrcK, ClassALU | uint16(ALUSub) | SrcX,
			ClassALU | uint16(ALUMul) | SrcK, ClassALU | uint16(ALUMul) | SrcX,
			ClassALU | uint16(ALUDiv) | SrcX,
			ClassALU | uint16(ALUAnd) | SrcK, ClassALU | uint16(ALUAnd) | SrcX,
			ClassALU | uint16(ALUOr) | SrcK, ClassALU | uint16(ALUOr) | SrcX,
			ClassALU | uint16(ALUXor) | SrcK, ClassALU | uint16(ALUXor) | SrcX,
			ClassALU | uint16(ALULsh) | SrcX, ClassALU | uint16(ALURsh) | SrcX:
		case ClassALU | uint16(ALUDiv) | SrcK:
			if k == 0 {
				return invalid(pc, "division by constant zero")
			}
		case ClassALU | uint16(ALULsh) | SrcK, ClassALU | uint16(ALURsh) | SrcK:
			if k >= 32 {
				return invalid(pc, "shift by %d: constant shifts must be below 32", k)
			}
		case OpLdMem, OpLdxMem, OpSt, OpStx:
			if k >= MemWords {
				return invalid(pc, "memory slot %d: scratch memory has slots 0..%d", k, MemWords-1)
			}
		case OpJa:
			if uint64(k) >= uint64(n-pc-1) {
				return invalid(pc, "jump offset %d lands past the last instruction (%d)", k, n-1)
			}
		case ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJEQ | SrcX,
			ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGT | SrcX,
			ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGE | SrcX,
			ClassJMP | JmpJSET | SrcK, ClassJMP | JmpJSET | SrcX:
			if pc+int(ins.Jt)+1 >= n || pc+int(ins.Jf)+1 >= n {
				return invalid(pc, "conditional jump offsets %d/%d land past the last instruction (%d)", ins.Jt, ins.Jf, n-1)
			}
		default:
			if why, ok := classicOnly[ins.Op]; ok {
				return invalid(pc, "%s", why)
			}
			return invalid(pc, "opcode %#04x is not a classic BPF instruction seccomp accepts", ins.Op)
		}
	}
	if !IsRet(prog[n-1]) {
		return invalid(n-1, "the last instruction must be a return (RET K or RET A)")
	}
	return checkMemFlow(prog)
}

// checkMemFlow is the kernel's check_load_and_stores: a linear scan where
// valid holds the slots written since the last jump target; a jump passes
// its valid set to its targets (intersecting with what other jumps pass)
// and resets the set to "all" for the instruction after it, which is only
// reachable by a jump.
func checkMemFlow(prog []Instruction) error {
	var masksBuf [256]uint16
	var masks []uint16
	if len(prog) <= len(masksBuf) {
		masks = masksBuf[:len(prog)]
	} else {
		masks = make([]uint16, len(prog))
	}
	for i := range masks {
		masks[i] = 0xffff
	}
	var valid uint16
	for pc, ins := range prog {
		valid &= masks[pc]
		switch ins.Op {
		case OpSt, OpStx:
			valid |= 1 << ins.K
		case OpLdMem, OpLdxMem:
			if valid&(1<<ins.K) == 0 {
				return invalid(pc, "reads memory slot %d, which is not written on every path to it: store to M[%d] first", ins.K, ins.K)
			}
		case OpJa:
			masks[pc+1+int(ins.K)] &= valid
			valid = 0xffff
		case ClassJMP | JmpJEQ | SrcK, ClassJMP | JmpJEQ | SrcX,
			ClassJMP | JmpJGT | SrcK, ClassJMP | JmpJGT | SrcX,
			ClassJMP | JmpJGE | SrcK, ClassJMP | JmpJGE | SrcX,
			ClassJMP | JmpJSET | SrcK, ClassJMP | JmpJSET | SrcX:
			masks[pc+1+int(ins.Jt)] &= valid
			masks[pc+1+int(ins.Jf)] &= valid
			valid = 0xffff
		}
	}
	return nil
}
