package seccomp_test

import (
	"fmt"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Compile a policy written in the ringfence language and check what the
// program decides, as the kernel would, with the emulator.
func ExampleCompile() {
	src := `default errno(EPERM)
allow read, write, exit_group
allow socket if domain == AF_UNIX else errno(EAFNOSUPPORT)
kill-process ptrace
`
	p, err := policy.LoadSource("app.policy", []byte(src), policy.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	afUnix, _ := syscalls.Constant("AF_UNIX")
	afInet, _ := syscalls.Constant("AF_INET")
	for _, c := range []struct {
		name string
		arg0 uint64
	}{{"read", 0}, {"socket", afUnix}, {"socket", afInet}, {"ptrace", 0}, {"mount", 0}} {
		nr, _ := syscalls.Number(syscalls.ArchX86_64, c.name)
		d := bpf.SeccompData{Nr: int32(nr), Arch: syscalls.AuditArchX86_64, Args: [6]uint64{c.arg0}}
		ret, _ := bpf.Run(prog.Instructions, d)
		fmt.Printf("%s(%d): %s\n", c.name, c.arg0, seccomp.ActionFromRet(ret))
	}
	// Output:
	// read(0): allow
	// socket(1): allow
	// socket(2): errno(EAFNOSUPPORT)
	// ptrace(0): kill-process
	// mount(0): errno(EPERM)
}
