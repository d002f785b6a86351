package seccomp_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.txt from the current compiler")

func enosys() *seccomp.Action { a := seccomp.Errno(38); return &a }

// goldenPolicies cover the layout: a plain allow-list, every comparison
// form, several ABIs with an unknown-syscall action, hot syscalls.
var goldenPolicies = []struct {
	name string
	p    *seccomp.Policy
	opts seccomp.Options
}{
	{"allowlist", &seccomp.Policy{
		Default: seccomp.KillProcess,
		Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow}, {Syscall: "write", Action: seccomp.Allow},
			{Syscall: "close", Action: seccomp.Allow}, {Syscall: "exit_group", Action: seccomp.Allow},
			{Syscall: "openat", Action: seccomp.Errno(13)}, {Syscall: "mmap", Action: seccomp.Allow},
		},
	}, seccomp.Options{}},
	{"conditions", &seccomp.Policy{
		Default: seccomp.Errno(1),
		Rules: []seccomp.Rule{
			{Syscall: "socket", Action: seccomp.Allow, When: seccomp.Or{
				seccomp.Cmp{Arg: 0, Op: seccomp.OpLt, Value: 38},
				seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 39},
				seccomp.Cmp{Arg: 0, Op: seccomp.OpGt, Value: 40},
			}},
			{Syscall: "personality", Action: seccomp.Allow, When: seccomp.Or{
				seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 0}, seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 8},
				seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 0xffffffff},
			}},
			{Syscall: "clone", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 0, Op: seccomp.OpMaskedEq, Mask: 0x7e020000, Value: 0}},
			{Syscall: "kill", Action: seccomp.Allow, When: seccomp.And{
				seccomp.Cmp{Arg: 0, Op: seccomp.OpGt, Value: 0, Width32: true, Signed: true},
				seccomp.Not{X: seccomp.Cmp{Arg: 1, Op: seccomp.OpEq, Value: 9, Width32: true}},
			}},
			{Syscall: "lseek", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 1, Op: seccomp.OpGe, Value: 0, Signed: true}},
			{Syscall: "fcntl", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 1, Op: seccomp.OpLe, Value: 4, Width32: true}},
			{Syscall: "ioctl", Action: seccomp.KillProcess, When: seccomp.Cmp{Arg: 1, Op: seccomp.OpEq, Value: 0x5412, Width32: true}},
			{Syscall: "ioctl", Action: seccomp.Allow},
		},
	}, seccomp.Options{}},
	{"multiarch", &seccomp.Policy{
		Default: seccomp.KillProcess, Unknown: enosys(),
		Arches: []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386, syscalls.ArchX32},
		Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow}, {Syscall: "write", Action: seccomp.Allow},
			{Syscall: "exit_group", Action: seccomp.Allow},
			{Syscall: "mmap", Action: seccomp.Allow, When: seccomp.Cmp{Arg: 2, Op: seccomp.OpMaskedEq, Mask: 4, Value: 0}},
			{Syscall: "socketcall", Action: seccomp.Errno(1), Arches: []syscalls.Arch{syscalls.ArchI386}},
		},
	}, seccomp.Options{}},
	{"hot", &seccomp.Policy{
		Default: seccomp.Errno(1),
		Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow}, {Syscall: "write", Action: seccomp.Allow},
			{Syscall: "futex", Action: seccomp.Allow}, {Syscall: "epoll_wait", Action: seccomp.Allow},
			{Syscall: "getpid", Action: seccomp.Allow},
		},
	}, seccomp.Options{Hot: []string{"futex", "epoll_wait", "read"}}},
}

func TestGolden(t *testing.T) {
	cases := goldenPolicies
	cases = append(cases, struct {
		name string
		p    *seccomp.Policy
		opts seccomp.Options
	}{"docker-default", loadDocker(t, false), seccomp.Options{}})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prog, err := seccomp.Compile(c.p, c.opts)
			if err != nil {
				t.Fatal(err)
			}
			got := prog.Disassemble()
			path := filepath.Join("testdata", "golden", c.name+".txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./seccomp -run TestGolden -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("disassembly of %s changed; if intended, run go test ./seccomp -run TestGolden -update\n--- got\n%s", c.name, got)
			}
		})
	}
}
