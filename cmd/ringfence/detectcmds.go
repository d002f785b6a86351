package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ringfence/ringfence/audit"
	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/inspect"
	"github.com/ringfence/ringfence/learn"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
	"github.com/ringfence/ringfence/verify"
)

func init() {
	subcommands["inspect"] = newInspectCmd
	subcommands["verify"] = newVerifyCmd
	subcommands["diff"] = newDiffCmd
	subcommands["learn"] = newLearnCmd
}

func newInspectCmd() *cobra.Command {
	var all, asJSON, filters bool
	cmd := &cobra.Command{
		Use:   "inspect PID | --all",
		Short: "Report what confines a running process, with an exposure score",
		Long: `Inspect shows a process's seccomp mode and filter count, no_new_privs,
capabilities, namespaces (isolated or shared with PID 1), uid/gid maps,
cgroup, the machine's LSMs and the process's labels, and rates the result
from 0 (confined) to 10 (exposed). --filters dumps the seccomp filters in
force, disassembled (needs CAP_SYS_ADMIN).`,
		Example: `  ringfence inspect 1234
  ringfence inspect --filters 1234
  ringfence inspect --all --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			w := cmd.OutOrStdout()
			if all {
				reports, err := inspect.All()
				if err != nil {
					return err
				}
				if asJSON {
					return json.NewEncoder(w).Encode(reports)
				}
				fmt.Fprintf(w, "%-8s %-6s %-8s %-8s %s\n", "PID", "SECCOMP", "EXPOSURE", "VERDICT", "EXE")
				for _, r := range reports {
					fmt.Fprintf(w, "%-8d %-7d %-8.1f %-8s %s\n", r.PID, r.SeccompMode, r.Score, r.Verdict, r.Exe)
				}
				return nil
			}
			if len(args) != 1 {
				return withCode(exitUsage, errors.New("inspect takes one PID (or --all)"))
			}
			pid, err := strconv.Atoi(args[0])
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("PID %q: not a number", args[0]))
			}
			if filters {
				progs, err := inspect.Filters(pid)
				if err != nil {
					return withCode(exitFailed, err)
				}
				for i, p := range progs {
					fmt.Fprintf(w, "# filter %d of %d (%d instructions; 0 runs first)\n", i, len(progs), len(p))
					fmt.Fprint(w, bpf.Disassemble(p, seccomp.NameOptions()))
				}
				if len(progs) == 0 {
					fmt.Fprintln(w, "# no seccomp filter installed")
				}
				return nil
			}
			r, err := inspect.Process(pid)
			if err != nil {
				return withCode(exitFailed, err)
			}
			if asJSON {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			fmt.Fprint(w, r)
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every process")
	cmd.Flags().BoolVar(&asJSON, "json", false, "JSON output")
	cmd.Flags().BoolVar(&filters, "filters", false, "dump and disassemble the seccomp filters in force")
	return cmd
}

func newVerifyCmd() *cobra.Command {
	var policyArg string
	var max int
	cmd := &cobra.Command{
		Use:   "verify PID --policy POLICY",
		Short: "Check that the seccomp filters in force in a process decide as a policy does",
		Long: `Verify reads the filters installed in PID (PTRACE_SECCOMP_GET_FILTER, needs
CAP_SYS_ADMIN), evaluates them the way the kernel does (every filter runs, the
strictest action wins) for every syscall of every ABI the policy admits or a
native process can reach, and for the argument values the policy names, and
prints the first differences. Exit code 1 when they differ.`,
		Example: `  ringfence verify 1234 --policy app.policy
  ringfence verify 1234 --policy docker-default.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pid, err := strconv.Atoi(args[0])
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("PID %q: not a number", args[0]))
			}
			p, err := loadPolicy(cmd, policyArg)
			if err != nil {
				return err
			}
			filters, err := inspect.Filters(pid)
			if err != nil {
				return withCode(exitFailed, err)
			}
			res := verify.Compare(verify.FiltersDecider(filters), verify.PolicyDecider(p), verify.Points(p), max)
			return reportComparison(cmd, res, fmt.Sprintf("pid %d (%d filters)", pid, len(filters)), policyArg)
		},
	}
	cmd.Flags().StringVar(&policyArg, "policy", "", "the policy the process should be under (required)")
	cmd.Flags().IntVar(&max, "max", 20, "how many differences to print")
	_ = cmd.MarkFlagRequired("policy")
	return cmd
}

func newDiffCmd() *cobra.Command {
	var max int
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "Print the decisions two policies (ringfence or OCI JSON) disagree on",
		Example: `  ringfence diff old.policy new.policy
  ringfence diff docker-default.json app.policy`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, err := loadPolicy(cmd, args[0])
			if err != nil {
				return err
			}
			b, err := loadPolicy(cmd, args[1])
			if err != nil {
				return err
			}
			res := verify.Compare(verify.PolicyDecider(a), verify.PolicyDecider(b), verify.Points(a, b), max)
			return reportComparison(cmd, res, args[0], args[1])
		},
	}
	cmd.Flags().IntVar(&max, "max", 50, "how many differences to print (0: all)")
	return cmd
}

func reportComparison(cmd *cobra.Command, res verify.Result, a, b string) error {
	w := cmd.OutOrStdout()
	for _, d := range res.Differences {
		fmt.Fprintln(w, d)
	}
	if res.Total == 0 {
		fmt.Fprintf(w, "%s and %s decide alike on all %d points\n", a, b, res.Points)
		return nil
	}
	fmt.Fprintf(w, "%d of %d points differ (left: %s, right: %s)\n", res.Total, res.Points, a, b)
	return withCode(exitFailed, errors.New(""))
}

func newLearnCmd() *cobra.Command {
	var f runFlags
	var out, merge string
	var hot int
	cmd := &cobra.Command{
		Use:   "learn -o POLICY [flags] -- CMD [ARGS...]",
		Short: "Run a program and write the smallest policy that admits what it did",
		Long: `Learn runs CMD in the sandbox under a filter that reports every syscall to
ringfence and lets it continue (seccomp user notification), from CMD's execve
on: never the launcher's own set-up. It writes a readable policy: whole
groups where every member was used, argument conditions where they matter
(socket domains and types, clone flags, ioctl requests, prctl options,
personality values, open flags), and a hot list of the most frequent
syscalls. --merge adds what an earlier policy admitted.

While learning, CMD's syscalls are not filtered (the other layers still
apply): learn with trusted inputs.`,
		Example: `  ringfence learn -o app.policy -- ./app --selftest
  ringfence learn -o app.policy --merge app.policy -- ./app --other-mode`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return withCode(exitUsage, errors.New("learn needs -o FILE"))
			}
			cfg, args, cleanup, err := f.prepare(cmd, args)
			if err != nil {
				return err
			}
			defer cleanup()
			native := &seccomp.Policy{Default: seccomp.Errno(1)}
			// execve is the gate's last call, made before anyone can answer a
			// notification: it is allowed outright and recorded as seen.
			everything := audit.Everything(native)
			everything.Rules = append(everything.Rules, seccomp.Rule{Syscall: "execve", Action: seccomp.Allow})
			prog, err := seccomp.Compile(everything, seccomp.Options{})
			if err != nil {
				return err
			}
			cfg.Filter, cfg.Notify, cfg.SeccompOff = prog.Bytes(), true, false
			rec := learn.NewRecorder()
			rec.Record(syscalls.Native, "execve", [6]uint64{})
			record := func(ev audit.Event) {
				if abi, err := syscalls.ParseArch(ev.Arch); err == nil {
					rec.Record(abi, ev.Syscall, ev.Args)
				}
			}
			runErr := runSandboxed(cmd, cfg, f.env, args, &audit.Supervisor{Policy: native, Mode: audit.Learn}, f.logFile, record)
			learned := rec.Policy(learn.Options{Hot: hot})
			if merge != "" {
				old, err := loadPolicy(cmd, merge)
				if err != nil {
					return err
				}
				learned = learn.Merge(old, learned)
			}
			header := fmt.Sprintf("# Learned by ringfence from: %s\n# %d distinct syscalls seen.\n", strings.Join(args, " "), len(rec.Counts()))
			if merge != "" {
				header += "# Merged with " + merge + ".\n"
			}
			if err := os.WriteFile(out, append([]byte(header), policy.Print(learned)...), 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "ringfence: wrote %s (%d syscalls)\n", out, len(rec.Counts()))
			return runErr
		},
	}
	cmd.Flags().SetInterspersed(false)
	f.register(cmd)
	cmd.Flags().StringVarP(&out, "output", "o", "", "where to write the learned policy")
	cmd.Flags().StringVar(&merge, "merge", "", "merge with an earlier learned policy")
	cmd.Flags().IntVar(&hot, "hot", 16, "how many of the most frequent syscalls to list as hot")
	return cmd
}
