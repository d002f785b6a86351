package sandbox_test

import (
	"fmt"
	"os"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/seccomp"
)

// Run a command in the default sandbox with the built-in default policy.
func ExampleCommand() {
	p, err := policy.Builtin("default")
	if err != nil {
		fmt.Println(err)
		return
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	cmd := sandbox.Command("/bin/sh", "-c", "echo hello from $(hostname); touch /etc/x 2>/dev/null || echo / is read-only")
	cmd.Config.Filter = prog.Bytes()
	cmd.Stdout = os.Stdout
	if err := cmd.Run(); err != nil {
		fmt.Println("sandbox:", err)
	}
	// Output:
	// hello from ringfence
	// / is read-only
}
