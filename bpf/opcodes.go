package bpf

import netbpf "golang.org/x/net/bpf"

// Opcode fields of struct sock_filter.code (linux/bpf_common.h).
const (
	// Instruction classes.
	ClassLD   = 0x00
	ClassLDX  = 0x01
	ClassST   = 0x02
	ClassSTX  = 0x03
	ClassALU  = 0x04
	ClassJMP  = 0x05
	ClassRET  = 0x06
	ClassMISC = 0x07

	// Load sizes.
	SizeW = 0x00
	SizeH = 0x08
	SizeB = 0x10

	// Load modes.
	ModeIMM = 0x00
	ModeABS = 0x20
	ModeIND = 0x40
	ModeMEM = 0x60
	ModeLEN = 0x80
	ModeMSH = 0xa0

	// Operand source for ALU and jumps; RET takes SrcK or RetSrcA.
	SrcK    = 0x00
	SrcX    = 0x08
	RetSrcA = 0x10

	// Jump operations.
	JmpJA   = 0x00
	JmpJEQ  = 0x10
	JmpJGT  = 0x20
	JmpJGE  = 0x30
	JmpJSET = 0x40

	// MISC operations.
	MiscTAX = 0x00
	MiscTXA = 0x80
)

// MemWords is BPF_MEMWORDS: the number of scratch memory slots M[0..15].
const MemWords = 16

// The complete opcodes of every instruction a seccomp filter may contain.
const (
	OpLdAbsW  = ClassLD | SizeW | ModeABS // A = seccomp_data[K:K+4]
	OpLdLenW  = ClassLD | SizeW | ModeLEN // A = sizeof(seccomp_data)
	OpLdImm   = ClassLD | ModeIMM         // A = K
	OpLdMem   = ClassLD | ModeMEM         // A = M[K]
	OpLdxImm  = ClassLDX | ModeIMM        // X = K
	OpLdxMem  = ClassLDX | ModeMEM        // X = M[K]
	OpLdxLenW = ClassLDX | SizeW | ModeLEN
	OpSt      = ClassST  // M[K] = A
	OpStx     = ClassSTX // M[K] = X
	OpNeg     = ClassALU | 0x80
	OpJa      = ClassJMP | JmpJA
	OpRetK    = ClassRET | SrcK
	OpRetA    = ClassRET | RetSrcA
	OpTax     = ClassMISC | MiscTAX
	OpTxa     = ClassMISC | MiscTXA
)

// ALUOp is a binary ALU operation (golang.org/x/net/bpf's type; its values
// are the BPF_OP bits of the opcode).
type ALUOp = netbpf.ALUOp

// ALU operations. ALUMod exists in classic BPF but seccomp rejects it.
const (
	ALUAdd = netbpf.ALUOpAdd
	ALUSub = netbpf.ALUOpSub
	ALUMul = netbpf.ALUOpMul
	ALUDiv = netbpf.ALUOpDiv
	ALUOr  = netbpf.ALUOpOr
	ALUAnd = netbpf.ALUOpAnd
	ALULsh = netbpf.ALUOpShiftLeft
	ALURsh = netbpf.ALUOpShiftRight
	ALUMod = netbpf.ALUOpMod
	ALUXor = netbpf.ALUOpXor
)

// Cond is a jump condition (golang.org/x/net/bpf's JumpTest). The machine has
// only ==, >, >= and &; the builder encodes the others by swapping targets.
type Cond = netbpf.JumpTest

// Jump conditions, all unsigned 32-bit comparisons of A with K (or X).
const (
	JEq     = netbpf.JumpEqual
	JNe     = netbpf.JumpNotEqual
	JGt     = netbpf.JumpGreaterThan
	JLt     = netbpf.JumpLessThan
	JGe     = netbpf.JumpGreaterOrEqual
	JLe     = netbpf.JumpLessOrEqual
	JSet    = netbpf.JumpBitsSet    // A & K != 0
	JNotSet = netbpf.JumpBitsNotSet // A & K == 0
)

// condOp maps a condition to the machine jump it is encoded with and whether
// the targets are swapped.
func condOp(c Cond) (op uint16, swap, ok bool) {
	switch c {
	case JEq:
		return JmpJEQ, false, true
	case JNe:
		return JmpJEQ, true, true
	case JGt:
		return JmpJGT, false, true
	case JLe:
		return JmpJGT, true, true
	case JGe:
		return JmpJGE, false, true
	case JLt:
		return JmpJGE, true, true
	case JSet:
		return JmpJSET, false, true
	case JNotSet:
		return JmpJSET, true, true
	}
	return 0, false, false
}

// Stmt returns a non-jump instruction.
func Stmt(op uint16, k uint32) Instruction { return Instruction{Op: op, K: k} }

// Jump returns a conditional jump instruction with relative offsets.
func Jump(op uint16, k uint32, jt, jf uint8) Instruction {
	return Instruction{Op: op, Jt: jt, Jf: jf, K: k}
}

// IsRet reports whether ins is a return (RET K or RET A).
func IsRet(ins Instruction) bool { return ins.Op == OpRetK || ins.Op == OpRetA }
