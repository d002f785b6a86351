// Command ringfence contains programs at the system call gate: it compiles
// readable policies to seccomp-BPF, tests and audits them, and runs programs
// in a sandbox. It is a thin layer over the ringfence packages: flags become
// library calls, and this package does only I/O and exit codes.
//
// Exit codes: 0 success; 1 a check failed (test cases, lint findings, a
// sandboxed program's own failure is passed through by `run`); 2 bad input or
// usage; 125 the sandbox could not be set up (as docker and podman do).
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitUsage     = 2
	exitSetupFail = 125
)

// exitError carries an exit code up to main.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

func main() {
	os.Exit(execute(os.Args[1:]))
}

func execute(args []string) int {
	return executeWith(args, os.Stdout, os.Stderr)
}

// executeWith runs the CLI with the given output streams (tests use it).
func executeWith(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	var ee *exitError
	code := exitUsage
	if errors.As(err, &ee) {
		code = ee.code
	}
	if msg := err.Error(); msg != "" {
		fmt.Fprintln(stderr, "ringfence: "+msg)
	}
	return code
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ringfence",
		Short: "Contain programs at the system call gate",
		Long: `ringfence compiles readable seccomp policies to optimized BPF, tests and
audits them, imports and exports OCI/Docker profiles, and runs programs in a
sandbox (namespaces, no capabilities, no_new_privs, Landlock, seccomp, limits).`,
		Example: `  ringfence compile app.policy -o app.bpf
  ringfence disasm app.bpf
  ringfence explain app.policy 'openat(AT_FDCWD, 0, O_WRONLY)'
  ringfence test app.policy app.tests
  ringfence lint docker-default.json
  ringfence run -- /bin/sh -c 'echo hello'`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringSlice("caps", nil, "capabilities assumed when importing OCI/Docker profiles (default: none, as ringfence drops every capability)")
	root.PersistentFlags().String("kernel", "", "kernel version assumed for OCI minKernel (default: the running kernel)")
	for _, add := range subcommands {
		root.AddCommand(add())
	}
	return root
}

// subcommands register themselves from their own files.
var subcommands []func() *cobra.Command
