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
	"maps"
	"os"
	"slices"

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
	return executeRoot(newRootCmd(args), args, stdout, stderr)
}

// executeRoot runs a command line on a command tree.
func executeRoot(root *cobra.Command, args []string, stdout, stderr io.Writer) int {
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

// newRootCmd builds the command tree for a command line. When args start
// with a subcommand's name only that subcommand is built: building all of
// them, flags and all, took about half a millisecond of every start (a
// sandbox start is a few milliseconds). Any other command line (help,
// completion, a flag first, a typo to suggest a fix for) gets the whole
// tree.
func newRootCmd(args []string) *cobra.Command {
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
	if len(args) > 0 && subcommands[args[0]] != nil {
		root.AddCommand(subcommands[args[0]]())
		// Only `ringfence completion` needs the completion command, and
		// that command line builds the whole tree.
		root.CompletionOptions.DisableDefaultCmd = true
		return root
	}
	for _, name := range slices.Sorted(maps.Keys(subcommands)) {
		root.AddCommand(subcommands[name]())
	}
	return root
}

// subcommands register themselves from their own files, by the name that
// calls them (TestSubcommandNames checks it is the command's own).
var subcommands = map[string]func() *cobra.Command{}
