package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/lint"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/policytest"
	"github.com/ringfence/ringfence/seccomp"
)

func init() {
	subcommands["compile"] = newCompileCmd
	subcommands["disasm"] = newDisasmCmd
	subcommands["explain"] = newExplainCmd
	subcommands["test"] = newTestCmd
	subcommands["lint"] = newLintCmd
	subcommands["policy"] = newPolicyCmd
}

func newCompileCmd() *cobra.Command {
	var out string
	var stats bool
	cmd := &cobra.Command{
		Use:   "compile POLICY -o FILE",
		Short: "Compile a policy (ringfence or OCI/Docker JSON) to a raw seccomp-BPF program",
		Long: `Compile writes the raw struct sock_filter array (8 bytes per instruction,
native byte order): the format bwrap --seccomp FD reads.`,
		Example: `  ringfence compile app.policy -o app.bpf
  bwrap --seccomp 3 ... 3<app.bpf
  ringfence compile docker-default.json -o docker.bpf --stats`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, prog, err := compilePolicy(cmd, args[0])
			if err != nil {
				return err
			}
			if stats {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d instructions (%d bytes)\n", len(prog.Instructions), 8*len(prog.Instructions))
			}
			return writeOutput(cmd, out, prog.Bytes())
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "where to write the program (- or empty: standard output)")
	cmd.Flags().BoolVar(&stats, "stats", false, "print the program size on standard error")
	return cmd
}

// readProgram reads a raw BPF file, or compiles a policy given instead.
func readProgram(cmd *cobra.Command, path string) ([]bpf.Instruction, error) {
	data, err := os.ReadFile(path)
	if err == nil && bytes.IndexByte(data, 0) < 0 {
		_, prog, err := compilePolicy(cmd, path)
		if err != nil {
			return nil, err
		}
		return prog.Instructions, nil
	}
	if err != nil {
		if _, prog, cerr := compilePolicy(cmd, path); cerr == nil {
			return prog.Instructions, nil
		}
		return nil, withCode(exitUsage, err)
	}
	prog, err := bpf.Unmarshal(data)
	if err != nil {
		return nil, withCode(exitUsage, fmt.Errorf("%s: %w", path, err))
	}
	return prog, nil
}

func newDisasmCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "disasm FILE",
		Short: "Disassemble a raw seccomp-BPF program (or a policy, compiled first)",
		Example: `  ringfence disasm app.bpf
  ringfence disasm app.policy`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			prog, err := readProgram(cmd, args[0])
			if err != nil {
				return err
			}
			if err := bpf.Validate(prog); err != nil {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: the kernel would refuse this program: %v\n", err)
			}
			fmt.Fprint(cmd.OutOrStdout(), bpf.Disassemble(prog, seccomp.NameOptions()))
			return nil
		},
	}
}

func newExplainCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "explain POLICY CALL...",
		Short: "Say which rule of a policy decides a syscall, and why",
		Example: `  ringfence explain app.policy 'openat(AT_FDCWD, 0, O_WRONLY)'
  ringfence explain docker-default.json 'i386:socketcall(1)' ptrace`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, prog, err := compilePolicy(cmd, args[0])
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			for _, text := range args[1:] {
				call, err := policytest.ParseCall(text)
				if err != nil {
					return withCode(exitUsage, err)
				}
				ret, steps, err := bpf.RunCounted(prog.Instructions, call.Data())
				if err != nil {
					return err
				}
				d := p.Decide(call.Data())
				fmt.Fprintf(w, "%s -> %s\n  decided by: %s\n  filter: %d instructions executed\n", call, seccomp.ActionFromRet(ret), policytest.Why(d), steps)
				if d.Rule != nil && d.Rule.When != nil {
					fmt.Fprintf(w, "  condition: %s\n", d.Rule.When)
				}
				if seccomp.ActionFromRet(ret) != d.Action {
					return withCode(exitFailed, fmt.Errorf("compiled filter says %s but the policy says %s: a compiler bug, please report it", seccomp.ActionFromRet(ret), d.Action))
				}
			}
			return nil
		},
	}
}

func newTestCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "test POLICY TESTFILE",
		Short: "Check a policy against a file of calls and the decisions they must get",
		Long: `Each line of TESTFILE is [arch:]syscall[(args)] -> action, for example
  x86_64:openat(AT_FDCWD, 0, O_WRONLY) -> errno(EPERM)
  i386:open -> kill-process
Every call is run on the compiled program (BPF emulator) and on the policy;
failures are printed as a diff and the exit code is 1.`,
		Example: `  ringfence test app.policy app.tests`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, prog, err := compilePolicy(cmd, args[0])
			if err != nil {
				return err
			}
			src, err := os.ReadFile(args[1])
			if err != nil {
				return withCode(exitUsage, err)
			}
			cases, err := policytest.Parse(args[1], src)
			if err != nil {
				return withCode(exitUsage, err)
			}
			results, err := policytest.Run(p, prog.Instructions, cases)
			if err != nil {
				return err
			}
			failed := policytest.Report(cmd.OutOrStdout(), results)
			if failed > 0 {
				return withCode(exitFailed, fmt.Errorf(""))
			}
			return nil
		},
	}
}

func newLintCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "lint POLICY",
		Short: "Warn about weaknesses in a policy, the way an auditor would",
		Long: `Lint flags allow-by-default, admitted foreign ABIs, dangerous syscalls left
reachable (ptrace, process_vm_*, io_uring, bpf, ...), asymmetric treatment of
syscalls that do the same thing (execve/execveat, open/openat/openat2),
kill-thread where kill-process was meant, and rules that can never match.
The exit code is 1 when any warning or danger is found.`,
		Example: `  ringfence lint app.policy
  ringfence lint --json docker-default.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPolicy(cmd, args[0])
			if err != nil {
				return err
			}
			findings := lint.Check(p)
			w := cmd.OutOrStdout()
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				if err := enc.Encode(findings); err != nil {
					return err
				}
			} else {
				for _, f := range findings {
					fmt.Fprintln(w, f)
				}
			}
			for _, f := range findings {
				if f.Severity >= lint.Warning {
					return withCode(exitFailed, fmt.Errorf("%d findings", len(findings)))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print findings as JSON")
	return cmd
}

func newPolicyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "policy", Short: "Built-in policies"}
	cmd.AddCommand(&cobra.Command{
		Use:     "show NAME",
		Short:   "Print a built-in policy's source",
		Example: "  ringfence policy show default",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, err := policy.BuiltinSource(args[0])
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("%w (built-in policies: %s)", err, strings.Join(policy.BuiltinNames(), ", ")))
			}
			_, err = cmd.OutOrStdout().Write(src)
			return err
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the built-in policies",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, args []string) {
			for _, n := range policy.BuiltinNames() {
				fmt.Fprintln(cmd.OutOrStdout(), n)
			}
		},
	})
	return cmd
}
