package bpf

import "fmt"

// Run executes prog on d the way the kernel's seccomp machine does and
// returns the filter's 32-bit verdict (a SECCOMP_RET_* value).
//
// Semantics, from the kernel's classic-to-eBPF conversion
// (net/core/filter.c bpf_convert_filter) and interpreter:
//   - A, X and M[0..15] start at zero;
//   - LD W ABS loads a native (little-endian) 32-bit word of seccomp_data;
//     LD/LDX W LEN load sizeof(seccomp_data), 64;
//   - ALU is unsigned 32-bit and wraps; shifts by X use X&31 (the
//     interpreter masks the count, as x86 and arm64 shifts do);
//   - A / X with X == 0 ends the program with verdict 0 (the conversion
//     emits "if X == 0 return 0" before every division by X);
//   - jumps compare unsigned and go forward only.
//
// Run does not call Validate, but it never panics and never loops: what
// the kernel would refuse to load, Run reports as an error when execution
// reaches it (an opcode seccomp does not allow, a misaligned or
// out-of-range load, a division by constant zero, a shift by 32 or more, a
// jump or memory slot out of range, falling off the end). One check the
// kernel makes at load time is not repeated here: reading a memory slot
// nothing wrote on the path reads zero. Validate a program once before
// trusting its runs. Run does not allocate unless it returns an error.
func Run(prog []Instruction, d SeccompData) (ret uint32, err error) {
	ret, _, err = RunCounted(prog, d)
	return ret, err
}

// RunCounted is Run that also returns how many instructions executed,
// the returning one included: the cost of the syscall in the filter.
func RunCounted(prog []Instruction, d SeccompData) (ret uint32, executed int, err error) {
	var a, x uint32
	var m [MemWords]uint32
	n := len(prog)
	pc := 0
	for pc < n {
		ins := prog[pc]
		executed++
		k := ins.K
		var cond, isJump bool
		switch ins.Op {
		case OpLdAbsW:
			if k >= SeccompDataSize || k&3 != 0 {
				return 0, executed, runErr(pc, ins, "load offset must be a multiple of 4 below 64 (sizeof seccomp_data)")
			}
			a = loadWord(&d, k)
		case OpLdLenW:
			a = SeccompDataSize
		case OpLdxLenW:
			x = SeccompDataSize
		case OpLdImm:
			a = k
		case OpLdxImm:
			x = k
		case OpLdMem:
			if k >= MemWords {
				return 0, executed, runErr(pc, ins, "memory slot out of range")
			}
			a = m[k]
		case OpLdxMem:
			if k >= MemWords {
				return 0, executed, runErr(pc, ins, "memory slot out of range")
			}
			x = m[k]
		case OpSt:
			if k >= MemWords {
				return 0, executed, runErr(pc, ins, "memory slot out of range")
			}
			m[k] = a
		case OpStx:
			if k >= MemWords {
				return 0, executed, runErr(pc, ins, "memory slot out of range")
			}
			m[k] = x
		case ClassALU | uint16(ALUAdd) | SrcK:
			a += k
		case ClassALU | uint16(ALUAdd) | SrcX:
			a += x
		case ClassALU | uint16(ALUSub) | SrcK:
			a -= k
		case ClassALU | uint16(ALUSub) | SrcX:
			a -= x
		case ClassALU | uint16(ALUMul) | SrcK:
			a *= k
		case ClassALU | uint16(ALUMul) | SrcX:
			a *= x
		case ClassALU | uint16(ALUDiv) | SrcK:
			if k == 0 {
				return 0, executed, runErr(pc, ins, "division by constant zero")
			}
			a /= k
		case ClassALU | uint16(ALUDiv) | SrcX:
			if x == 0 {
				return 0, executed, nil
			}
			a /= x
		case ClassALU | uint16(ALUAnd) | SrcK:
			a &= k
		case ClassALU | uint16(ALUAnd) | SrcX:
			a &= x
		case ClassALU | uint16(ALUOr) | SrcK:
			a |= k
		case ClassALU | uint16(ALUOr) | SrcX:
			a |= x
		case ClassALU | uint16(ALUXor) | SrcK:
			a ^= k
		case ClassALU | uint16(ALUXor) | SrcX:
			a ^= x
		case ClassALU | uint16(ALULsh) | SrcK:
			if k >= 32 {
				return 0, executed, runErr(pc, ins, "shift by 32 or more")
			}
			a <<= k
		case ClassALU | uint16(ALULsh) | SrcX:
			a <<= x & 31
		case ClassALU | uint16(ALURsh) | SrcK:
			if k >= 32 {
				return 0, executed, runErr(pc, ins, "shift by 32 or more")
			}
			a >>= k
		case ClassALU | uint16(ALURsh) | SrcX:
			a >>= x & 31
		case OpNeg:
			a = -a
		case OpTax:
			x = a
		case OpTxa:
			a = x
		case OpJa:
			if uint64(k) >= uint64(n-pc-1) {
				return 0, executed, runErr(pc, ins, "jump target past the end")
			}
			pc += int(k)
		case ClassJMP | JmpJEQ | SrcK:
			cond, isJump = a == k, true
		case ClassJMP | JmpJEQ | SrcX:
			cond, isJump = a == x, true
		case ClassJMP | JmpJGT | SrcK:
			cond, isJump = a > k, true
		case ClassJMP | JmpJGT | SrcX:
			cond, isJump = a > x, true
		case ClassJMP | JmpJGE | SrcK:
			cond, isJump = a >= k, true
		case ClassJMP | JmpJGE | SrcX:
			cond, isJump = a >= x, true
		case ClassJMP | JmpJSET | SrcK:
			cond, isJump = a&k != 0, true
		case ClassJMP | JmpJSET | SrcX:
			cond, isJump = a&x != 0, true
		case OpRetK:
			return k, executed, nil
		case OpRetA:
			return a, executed, nil
		default:
			return 0, executed, runErr(pc, ins, "opcode not allowed in a seccomp filter")
		}
		if isJump {
			off := ins.Jf
			if cond {
				off = ins.Jt
			}
			if pc+int(off)+1 >= n {
				return 0, executed, runErr(pc, ins, "jump target past the end")
			}
			pc += int(off)
		}
		pc++
	}
	return 0, executed, fmt.Errorf("bpf: ran past the last instruction (%d): a seccomp program must end every path with a return", n-1)
}

// loadWord returns the little-endian 32-bit word at offset k (aligned,
// below 64) of d's memory image, without building the image.
func loadWord(d *SeccompData, k uint32) uint32 {
	switch k {
	case OffsetNr:
		return uint32(d.Nr)
	case OffsetArch:
		return d.Arch
	case OffsetIPLo:
		return uint32(d.InstructionPointer)
	case OffsetIPHi:
		return uint32(d.InstructionPointer >> 32)
	}
	v := d.Args[(k-OffsetArgs)/8]
	if k&4 != 0 {
		return uint32(v >> 32)
	}
	return uint32(v)
}

func runErr(pc int, ins Instruction, why string) error {
	return fmt.Errorf("bpf: instruction %d (op %#04x k %#x): %s", pc, ins.Op, ins.K, why)
}
