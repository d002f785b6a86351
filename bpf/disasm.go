package bpf

import (
	"fmt"
	"strings"
)

// DisasmOptions lets the caller name numbers the bpf package does not know
// (it sits below the syscall tables and the action types). Every callback
// may be nil.
type DisasmOptions struct {
	// SyscallName names syscall nr of the ABI auditArch; it is asked only
	// where every path to a comparison of seccomp_data.nr went through an
	// equality test of seccomp_data.arch against auditArch.
	SyscallName func(auditArch uint32, nr uint32) (string, bool)
	// ArchName names an AUDIT_ARCH_* value compared with seccomp_data.arch.
	ArchName func(auditArch uint32) (string, bool)
	// RetName renders the value of a RET K, e.g. "ALLOW" or "ERRNO(EPERM)".
	RetName func(ret uint32) string
	// Raw adds each instruction's fields (code, jt, jf, k) in hex, as
	// seccomp-tools shows them.
	Raw bool
}

// what A (or X) is known to hold.
type regKind uint8

const (
	regUnknown regKind = iota
	regNr
	regArch
)

// flowState is what the disassembler knows before an instruction, merged
// over every path reaching it.
type flowState struct {
	reached  bool
	a        regKind
	arch     uint32 // seccomp_data.arch on every path here, if archSure
	archSure bool
}

func (s *flowState) merge(in flowState) {
	if !s.reached {
		*s = in
		s.reached = true
		return
	}
	if s.a != in.a {
		s.a = regUnknown
	}
	if !s.archSure || !in.archSure || s.arch != in.arch {
		s.archSure = false
	}
}

// Disassemble renders prog one instruction per line: the index, a bpf_asm
// style mnemonic and its operand, and C-like pseudo code with symbolic
// names: loads name the seccomp_data field, jumps give absolute targets,
// comparisons of the syscall number and the architecture name them through
// opts, returns render through opts.RetName. It accepts any program, valid
// or not, and marks what it cannot decode.
func Disassemble(prog []Instruction, opts DisasmOptions) string {
	n := len(prog)
	width := max(4, len(fmt.Sprint(n-1)))
	idx := func(i int) string { return fmt.Sprintf("%0*d", width, i) }
	states := make([]flowState, n+1)
	if n > 0 {
		states[0].reached = true
	}
	var sb strings.Builder
	for pc, ins := range prog {
		st := states[pc]
		next := st
		next.reached = true
		mnem, code := "", ""
		k := ins.K
		switch ins.Op {
		case OpLdAbsW:
			mnem = fmt.Sprintf("ld [%d]", k)
			code = "A = " + fieldName(k)
			next.a = regUnknown
			switch k {
			case OffsetNr:
				next.a = regNr
			case OffsetArch:
				next.a = regArch
			}
		case OpLdLenW:
			mnem, code = "ld #len", fmt.Sprintf("A = %d /* sizeof(seccomp_data) */", SeccompDataSize)
			next.a = regUnknown
		case OpLdxLenW:
			mnem, code = "ldx #len", fmt.Sprintf("X = %d /* sizeof(seccomp_data) */", SeccompDataSize)
		case OpLdImm:
			mnem, code = "ld #"+num(k), "A = "+num(k)
			next.a = regUnknown
		case OpLdxImm:
			mnem, code = "ldx #"+num(k), "X = "+num(k)
		case OpLdMem:
			mnem, code = fmt.Sprintf("ld M[%d]", k), fmt.Sprintf("A = M[%d]", k)
			next.a = regUnknown
		case OpLdxMem:
			mnem, code = fmt.Sprintf("ldx M[%d]", k), fmt.Sprintf("X = M[%d]", k)
		case OpSt:
			mnem, code = fmt.Sprintf("st M[%d]", k), fmt.Sprintf("M[%d] = A", k)
		case OpStx:
			mnem, code = fmt.Sprintf("stx M[%d]", k), fmt.Sprintf("M[%d] = X", k)
		case OpNeg:
			mnem, code = "neg", "A = -A"
			next.a = regUnknown
		case OpTax:
			mnem, code = "tax", "X = A"
		case OpTxa:
			mnem, code = "txa", "A = X"
			next.a = regUnknown
		case OpRetK:
			mnem, code = "ret #"+num(k), "return "+retName(k, opts)
			next.reached = false
		case OpRetA:
			mnem, code = "ret a", "return A"
			next.reached = false
		case OpJa:
			t := -1
			if uint64(k) < uint64(n-pc-1) {
				t = pc + 1 + int(k)
			}
			mnem, code = "ja "+num(k), "goto "+target(t, n, idx)
			if t >= 0 && t < n {
				states[t].merge(next)
			}
			next.reached = false
		default:
			if m, sym, ok := aluOp(ins.Op); ok {
				operand := "X"
				mnemOperand := "x"
				if ins.Op&SrcX == 0 {
					operand, mnemOperand = num(k), "#"+num(k)
				}
				mnem, code = m+" "+mnemOperand, fmt.Sprintf("A %s= %s", sym, operand)
				next.a = regUnknown
				break
			}
			if m, sym, ok := jumpOp(ins.Op); ok {
				t, f := pc+1+int(ins.Jt), pc+1+int(ins.Jf)
				operand, mnemOperand := "X", "x"
				if ins.Op&SrcX == 0 {
					operand = annotate(k, ins.Op, st, opts)
					mnemOperand = "#" + num(k)
				}
				mnem = fmt.Sprintf("%s %s, %d, %d", m, mnemOperand, ins.Jt, ins.Jf)
				if sym == "&" {
					code = fmt.Sprintf("if (A & %s) goto %s else goto %s", operand, target(t, n, idx), target(f, n, idx))
				} else {
					code = fmt.Sprintf("if (A %s %s) goto %s else goto %s", sym, operand, target(t, n, idx), target(f, n, idx))
				}
				taken := next
				if ins.Op == ClassJMP|JmpJEQ|SrcK && st.a == regArch {
					taken.arch, taken.archSure = k, true
				}
				if t < n {
					states[t].merge(taken)
				}
				if f < n {
					states[f].merge(next)
				}
				next.reached = false
				break
			}
			mnem, code = fmt.Sprintf("??? %#04x", ins.Op), fmt.Sprintf("/* not a seccomp instruction: op %#04x jt %d jf %d k %#x */", ins.Op, ins.Jt, ins.Jf, k)
			next.a = regUnknown
		}
		if next.reached {
			states[pc+1].merge(next)
		}
		if opts.Raw {
			fmt.Fprintf(&sb, "%s  0x%02x %3d %3d 0x%08x  %-22s %s\n", idx(pc), ins.Op, ins.Jt, ins.Jf, ins.K, mnem, code)
		} else {
			fmt.Fprintf(&sb, "%s  %-22s %s\n", idx(pc), mnem, code)
		}
	}
	return sb.String()
}

func target(t, n int, idx func(int) string) string {
	if t < 0 || t >= n {
		return "<out of range>"
	}
	return idx(t)
}

// num renders a constant: decimal when small, hex otherwise.
func num(k uint32) string {
	if k < 0x1000 {
		return fmt.Sprint(k)
	}
	return fmt.Sprintf("%#x", k)
}

// annotate renders the constant of a comparison, named when A holds the
// syscall number or the architecture.
func annotate(k uint32, op uint16, st flowState, opts DisasmOptions) string {
	switch {
	case st.a == regArch && opts.ArchName != nil && op&0xf0 != JmpJSET:
		if name, ok := opts.ArchName(k); ok {
			return fmt.Sprintf("%#x /* %s */", k, name)
		}
		return fmt.Sprintf("%#x", k)
	case st.a == regNr && op&0xf0 != JmpJSET:
		if st.archSure && opts.SyscallName != nil {
			if name, ok := opts.SyscallName(st.arch, k); ok {
				return fmt.Sprintf("%d /* %s */", k, name)
			}
		}
		return num(k)
	}
	return num(k)
}

func retName(k uint32, opts DisasmOptions) string {
	if opts.RetName != nil {
		if s := opts.RetName(k); s != "" {
			return s
		}
	}
	return fmt.Sprintf("%#x", k)
}

// fieldName names the 32-bit word of seccomp_data at offset off.
func fieldName(off uint32) string {
	switch {
	case off == OffsetNr:
		return "seccomp_data.nr"
	case off == OffsetArch:
		return "seccomp_data.arch"
	case off == OffsetIPLo:
		return "seccomp_data.instruction_pointer (lo)"
	case off == OffsetIPHi:
		return "seccomp_data.instruction_pointer (hi)"
	case off >= OffsetArgs && off < SeccompDataSize && off%4 == 0:
		half := "lo"
		if off%8 != 0 {
			half = "hi"
		}
		return fmt.Sprintf("seccomp_data.args[%d] (%s)", (off-OffsetArgs)/8, half)
	}
	return fmt.Sprintf("seccomp_data[%d] /* invalid offset */", off)
}

var aluNames = map[uint16][2]string{
	uint16(ALUAdd): {"add", "+"}, uint16(ALUSub): {"sub", "-"}, uint16(ALUMul): {"mul", "*"},
	uint16(ALUDiv): {"div", "/"}, uint16(ALUOr): {"or", "|"}, uint16(ALUAnd): {"and", "&"},
	uint16(ALULsh): {"lsh", "<<"}, uint16(ALURsh): {"rsh", ">>"}, uint16(ALUMod): {"mod", "%"},
	uint16(ALUXor): {"xor", "^"},
}

func aluOp(op uint16) (mnem, sym string, ok bool) {
	if op&^(0xf0|SrcX) != ClassALU {
		return "", "", false
	}
	v, ok := aluNames[op&0xf0]
	return v[0], v[1], ok
}

var jumpNames = map[uint16][2]string{
	JmpJEQ: {"jeq", "=="}, JmpJGT: {"jgt", ">"}, JmpJGE: {"jge", ">="}, JmpJSET: {"jset", "&"},
}

func jumpOp(op uint16) (mnem, sym string, ok bool) {
	if op&^(0xf0|SrcX) != ClassJMP {
		return "", "", false
	}
	v, ok := jumpNames[op&0xf0]
	return v[0], v[1], ok
}
