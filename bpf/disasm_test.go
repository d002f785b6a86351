package bpf

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// A few names for the test's callbacks; the real ones come from the
// syscalls and seccomp packages, which sit above bpf.
var testSyscalls = map[uint32]map[uint32]string{
	0xc000003e: {0: "read", 1: "write", 59: "execve", 257: "openat"},
	0x40000003: {3: "read", 4: "write", 11: "execve"},
}

var testOpts = DisasmOptions{
	SyscallName: func(arch, nr uint32) (string, bool) {
		name, ok := testSyscalls[arch][nr]
		return name, ok
	},
	ArchName: func(arch uint32) (string, bool) {
		name, ok := map[uint32]string{0xc000003e: "x86_64", 0x40000003: "i386"}[arch]
		return name, ok
	},
	RetName: func(ret uint32) string {
		switch {
		case ret == retAllow:
			return "ALLOW"
		case ret == 0x80000000:
			return "KILL_PROCESS"
		case ret&0xffff0000 == retErrno:
			if ret&0xffff == 1 {
				return "ERRNO(EPERM)"
			}
			return fmt.Sprintf("ERRNO(%d)", ret&0xffff)
		}
		return ""
	},
}

// disasmSample is a program in the shape a policy compiler produces, plus
// one of every other instruction kind.
func disasmSample(t *testing.T) []Instruction {
	b := NewBuilder()
	kill, allow, eperm := b.NewLabel(), b.NewLabel(), b.NewLabel()
	x86, i386, notX86, x86nr, argCheck, misc := b.NewLabel(), b.NewLabel(), b.NewLabel(), b.NewLabel(), b.NewLabel(), b.NewLabel()
	b.LoadAbs(OffsetArch)
	b.JumpIf(JEq, 0xc000003e, x86, notX86)
	b.Place(notX86)
	b.JumpIf(JEq, 0x40000003, i386, kill)
	b.Place(i386)
	b.LoadAbs(OffsetNr)
	i386write := b.NewLabel()
	b.JumpIf(JEq, 11, kill, i386write) // execve
	b.Place(i386write)
	b.JumpIf(JEq, 4, allow, eperm)
	b.Place(x86)
	b.LoadAbs(OffsetNr)
	b.JumpIf(JGe, 0x40000000, kill, x86nr) // x32
	b.Place(x86nr)
	notOpenat := b.NewLabel()
	b.JumpIf(JEq, 257, argCheck, notOpenat)
	b.Place(notOpenat)
	b.JumpIf(JGt, 59, misc, allow)
	b.Place(argCheck)
	hi := b.NewLabel()
	b.LoadAbs(ArgHigh(2))
	b.JumpIf(JEq, 0, hi, eperm)
	b.Place(hi)
	b.LoadAbs(ArgLow(2))
	b.JumpIf(JSet, 3, eperm, allow)
	b.Place(misc)
	// one of each remaining kind; not meant to compute anything
	b.LoadAbs(OffsetIPLo)
	b.LoadAbs(OffsetIPHi)
	b.Emit(Stmt(OpLdLenW, 0))
	b.Emit(Stmt(OpLdxLenW, 0))
	b.LoadImm(0x12345)
	b.LoadXImm(7)
	b.Store(3)
	b.StoreX(4)
	b.LoadMem(3)
	b.LoadXMem(4)
	for _, ref := range aluRef {
		b.ALU(ref.op, 2)
		b.ALUX(ref.op)
	}
	b.Neg()
	b.TAX()
	b.TXA()
	last := b.NewLabel()
	b.JumpIfX(JGt, last, last)
	b.Place(last)
	b.RetA()
	b.Place(eperm)
	b.RetK(retErrno | 1)
	b.Place(allow)
	b.RetK(retAllow)
	b.Place(kill)
	b.RetK(0x80000000)
	prog, err := b.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(prog); err != nil {
		t.Fatal(err)
	}
	return prog
}

func TestDisassembleGolden(t *testing.T) {
	prog := disasmSample(t)
	raw := testOpts
	raw.Raw = true
	got := Disassemble(prog, testOpts) + "\n-- without callbacks --\n" + Disassemble(prog, DisasmOptions{}) +
		"\n-- raw --\n" + Disassemble(prog[:12], raw)
	// invalid programs disassemble too, with the problems marked
	got += "\n-- invalid --\n" + Disassemble([]Instruction{
		Stmt(OpLdAbsW, 2), Stmt(0xff, 1), Stmt(ClassLD|SizeB|ModeIND, 0), Stmt(ClassALU|uint16(ALUMod)|SrcK, 3),
		Stmt(OpJa, 100), Jump(ClassJMP|JmpJEQ|SrcK, 1, 200, 0),
	}, testOpts)
	golden := "testdata/disasm.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run Golden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("disassembly differs from %s (go test -update rewrites it):\n%s", golden, got)
	}
	// the names must come out where the flow makes them certain
	for _, s := range []string{
		"if (A == 0xc000003e /* x86_64 */)",
		"if (A == 11 /* execve */)",  // i386 path
		"if (A == 257 /* openat */)", // x86_64 path
		"if (A > 59 /* execve */)",   // x86_64 numbering
		"A = seccomp_data.args[2] (hi)",
		"return ERRNO(EPERM)",
	} {
		if !strings.Contains(got, s) {
			t.Errorf("disassembly lacks %q", s)
		}
	}
}

// TestDisassembleUnsureArch: where paths with different architectures
// meet, numbers stay bare.
func TestDisassembleUnsureArch(t *testing.T) {
	b := NewBuilder()
	x86, i386, join, kill := b.NewLabel(), b.NewLabel(), b.NewLabel(), b.NewLabel()
	b.LoadAbs(OffsetArch)
	b.JumpIf(JEq, 0xc000003e, x86, i386)
	b.Place(i386)
	b.JumpIf(JEq, 0x40000003, join, kill)
	b.Place(x86)
	b.Jump(join)
	b.Place(join)
	b.LoadAbs(OffsetNr)
	b.JumpIf(JEq, 1, kill, kill)
	b.Place(kill)
	b.RetK(0)
	prog, err := b.Assemble()
	if err != nil {
		t.Fatal(err)
	}
	out := Disassemble(prog, testOpts)
	if !strings.Contains(out, "if (A == 1) goto") {
		t.Errorf("syscall named though the arch is uncertain:\n%s", out)
	}
}
