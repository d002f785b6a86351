package bpf

import (
	"encoding/binary"
	"testing"
)

// fuzzInput splits fuzz bytes into seccomp_data (the first 64 bytes, when
// there are that many) and a program (the rest, whole instructions only).
func fuzzInput(b []byte) ([]Instruction, SeccompData) {
	var d SeccompData
	if len(b) >= SeccompDataSize {
		d.Nr = int32(binary.LittleEndian.Uint32(b[0:]))
		d.Arch = binary.LittleEndian.Uint32(b[4:])
		d.InstructionPointer = binary.LittleEndian.Uint64(b[8:])
		for i := range d.Args {
			d.Args[i] = binary.LittleEndian.Uint64(b[16+8*i:])
		}
		b = b[SeccompDataSize:]
	}
	prog, err := Unmarshal(b[:len(b)/8*8])
	if err != nil {
		panic(err) // whole instructions cannot fail to decode
	}
	return prog, d
}

func fuzzSeeds(f *testing.F) {
	g := newGen(4)
	for range 30 {
		d := g.data(auditArchForTests).Bytes()
		p := g.safeProgram(20, true)
		if g.r.IntN(2) == 0 {
			p = g.mutate(p)
		}
		f.Add(append(d[:], Marshal(p)...))
	}
}

// checkRun runs prog on d and checks what must hold for any program: no
// panic, no more steps than instructions (jumps go forward only), and no
// error at all when Validate accepts the program.
func checkRun(t *testing.T, prog []Instruction, d SeccompData) {
	ret, executed, err := RunCounted(prog, d)
	if executed > len(prog) {
		t.Fatalf("executed %d instructions of a %d-instruction program", executed, len(prog))
	}
	if verr := Validate(prog); verr == nil {
		if err != nil {
			t.Fatalf("valid program failed to run: %v\n%s", err, Disassemble(prog, DisasmOptions{}))
		}
		if r2, _ := Run(prog, d); r2 != ret {
			t.Fatalf("Run and RunCounted disagree: %#x vs %#x", r2, ret)
		}
	}
}

// FuzzValidate: Validate and Disassemble never panic on any program, and
// every program Validate accepts runs to a return.
func FuzzValidate(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		prog, d := fuzzInput(b)
		_ = Validate(prog)
		_ = Disassemble(prog, testOpts)
		checkRun(t, prog, d)
	})
}

// FuzzEmulator: the emulator never panics, loops or reads out of bounds,
// valid program or not.
func FuzzEmulator(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		prog, d := fuzzInput(b)
		checkRun(t, prog, d)
	})
}

// TestRandomProgramsRun is the fuzz property over the generator's programs
// and their mutations, many of them at the edge of validity.
func TestRandomProgramsRun(t *testing.T) {
	g := newGen(5)
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for range n {
		p := g.safeProgram(30, true)
		if g.r.IntN(2) == 0 {
			p = g.mutate(p)
		}
		for range 4 {
			checkRun(t, p, g.data(auditArchForTests))
		}
	}
}
