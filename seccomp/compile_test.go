package seccomp

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// TestComparisonsBoundaries checks every operator, width and signedness
// against Go's own arithmetic (Cmp.Eval) on boundary values in both 32-bit
// halves, on a 64-bit and a 32-bit ABI.
func TestComparisonsBoundaries(t *testing.T) {
	n := 0
	for op := OpEq; op <= OpMaskedEq; op++ {
		for _, w32 := range []bool{false, true} {
			for _, signed := range []bool{false, true} {
				for _, v := range interesting {
					c := Cmp{Arg: 2, Op: op, Value: v, Width32: w32, Signed: signed}
					if op == OpMaskedEq {
						c.Mask, c.Value = v, v&0x00000000ffff00ff
					}
					for _, abi := range []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386} {
						p := &Policy{Default: Errno(1), Arches: []syscalls.Arch{abi},
							Rules: []Rule{{Syscall: "read", Action: Allow, When: c}}}
						prog, err := Compile(p, Options{})
						if err != nil {
							t.Fatal(err)
						}
						nr, _ := syscalls.Number(abi, "read")
						for _, x := range interesting {
							d := bpf.SeccompData{Nr: int32(nr), Arch: abi.AuditArch()}
							d.Args[2] = x
							got, err := bpf.Run(prog.Instructions, d)
							if err != nil {
								t.Fatal(err)
							}
							args := d.Args
							if !abi.Is64Bit() {
								args[2] = uint64(uint32(x))
							}
							want := c.Eval(&args)
							if (got == RetAllow) != want {
								t.Fatalf("%v on %v: arg %#x: program says %v, Go says %v\n%s", c, abi, x, got == RetAllow, want, dumpProgram(prog.Instructions))
							}
							n++
						}
					}
				}
			}
		}
	}
	t.Logf("%d comparisons checked", n)
}

// TestConstantSyscallsLoadNoArgs: a syscall whose decision ignores the
// arguments must be decided without loading them (the kernel's action cache
// then treats it as constant): its path and verdict do not change when
// arguments and instruction pointer do.
func TestConstantSyscallsLoadNoArgs(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		g := newGen(seed, 77)
		p := g.policy()
		prog, err := Compile(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, abi := range p.AdmittedArches() {
			for _, sc := range syscalls.Table(abi) {
				constant := true
				for _, r := range p.Rules {
					if r.Syscall == sc.Name && r.admits(abi) && r.When != nil {
						constant = false
					}
				}
				if !constant {
					continue
				}
				d := bpf.SeccompData{Nr: int32(sc.Nr), Arch: abi.AuditArch()}
				r1, n1, _ := bpf.RunCounted(prog.Instructions, d)
				d.InstructionPointer = 0xdeadbeefcafe
				for i := range d.Args {
					d.Args[i] = 0xffffffffffffffff
				}
				r2, n2, _ := bpf.RunCounted(prog.Instructions, d)
				if r1 != r2 || n1 != n2 {
					t.Fatalf("%v %s has no conditions but its path depends on the arguments\npolicy: %s", abi, sc.Name, dumpPolicy(p))
				}
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		p := newGen(seed, 3).policy()
		a, err := Compile(p, Options{Hot: []string{"read", "futex"}})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			b, _ := Compile(p, Options{Hot: []string{"read", "futex"}})
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatalf("seed %d: two compiles of one policy differ", seed)
			}
		}
	}
}

func TestCompileErrors(t *testing.T) {
	unknown := Action{Kind: 99}
	type weird struct{ True }
	for _, c := range []struct {
		name string
		p    *Policy
		want string
	}{
		{"nil policy", nil, "needs a policy"},
		{"no default", &Policy{}, "default action"},
		{"bad errno", &Policy{Default: Errno(5000)}, "errno 5000 out of range"},
		{"bad unknown", &Policy{Default: Allow, Unknown: &unknown}, "unknown-syscall action"},
		{"bad arch", &Policy{Default: Allow, Arches: []syscalls.Arch{99}}, "not one the tables know"},
		{"arch twice", &Policy{Default: Allow, Arches: []syscalls.Arch{syscalls.ArchI386, syscalls.ArchI386}}, "admitted twice"},
		{"rule action", &Policy{Default: Allow, Rules: []Rule{{Syscall: "read", Source: "x.policy:3:1"}}}, "x.policy:3:1"},
		{"arg index", &Policy{Default: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, When: Cmp{Arg: 6, Op: OpEq}}}}, "argument index 6"},
		{"bad op", &Policy{Default: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, When: Cmp{Arg: 1}}}}, "invalid operator"},
		{"nil member", &Policy{Default: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, When: And{nil}}}}, "nil condition"},
		{"nil not", &Policy{Default: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, When: Not{}}}}, "Not needs an operand"},
		{"foreign expr", &Policy{Default: Allow, Rules: []Rule{{Syscall: "read", Action: Allow, When: Or{weird{}}}}}, "the compiler knows"},
	} {
		_, err := Compile(c.p, Options{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

// TestTooLong: past the kernel's 4096 instructions Compile fails with a
// message that says how long and what to do.
func TestTooLong(t *testing.T) {
	var values Or
	for i := range 3000 {
		values = append(values, Cmp{Arg: 0, Op: OpLt, Value: uint64(i)*7919 + 1<<40, Signed: i%2 == 0})
	}
	p := &Policy{Default: KillProcess, Arches: []syscalls.Arch{syscalls.ArchX86_64},
		Rules: []Rule{{Syscall: "ioctl", Action: Allow, When: Not{values}}}}
	_, err := Compile(p, Options{})
	// Far past the limit, code generation gives up early, with the same error.
	var huge Or
	for i := range 40000 {
		huge = append(huge, Cmp{Arg: uint8(i % 6), Op: OpGt, Value: uint64(i) << 33})
	}
	p2 := &Policy{Default: KillProcess, Rules: []Rule{{Syscall: "ioctl", Action: Allow, When: huge}}}
	if _, err := Compile(p2, Options{NoOptimize: true}); !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "code generation exceeded") {
		t.Fatalf("huge policy: %v, want ErrTooLong from the code generator's bound", err)
	}
	if !errors.Is(err, ErrTooLong) || !strings.Contains(err.Error(), "limit of 4096") || !strings.Contains(err.Error(), "instructions") {
		t.Fatalf("error %v, want the 4096-instruction limit explained", err)
	}
	t.Log(err)
}
