// Command mkfilter writes the built-in default policy, compiled for this
// machine, as a raw seccomp program (struct sock_filter array) for
// runbench and for bwrap --seccomp.
package main

import (
	"fmt"
	"os"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: mkfilter OUT.bpf")
		os.Exit(2)
	}
	p, err := policy.Builtin("default")
	if err == nil {
		var prog *seccomp.Program
		if prog, err = seccomp.Compile(p, seccomp.Options{}); err == nil {
			err = os.WriteFile(os.Args[1], prog.Bytes(), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mkfilter:", err)
		os.Exit(1)
	}
}
