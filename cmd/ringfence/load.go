package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/ringfence/ringfence/imports"
	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/seccomp"
)

// loadPolicy reads a policy into the IR: a ringfence policy file, an
// OCI/Docker JSON profile, a Kafel (nsjail) or minijail policy, systemd
// SystemCallFilter= lines (told apart by content), or a built-in name.
func loadPolicy(cmd *cobra.Command, arg string) (*seccomp.Policy, error) {
	data, err := os.ReadFile(arg)
	if err != nil {
		if os.IsNotExist(err) {
			if p, berr := policy.Builtin(arg); berr == nil {
				return p, nil
			}
		}
		return nil, withCode(exitUsage, fmt.Errorf("policy %s: %w (built-in policies: %v)", arg, err, policy.BuiltinNames()))
	}
	switch imports.Detect(arg, data) {
	case imports.FormatOCI:
		caps, _ := cmd.Flags().GetStringSlice("caps")
		kernel, _ := cmd.Flags().GetString("kernel")
		p, warnings, err := oci.Import(data, oci.ImportOptions{Caps: caps, KernelVersion: kernel, Filename: arg})
		for _, w := range warnings {
			fmt.Fprintln(cmd.ErrOrStderr(), w)
		}
		if err != nil {
			return nil, withCode(exitUsage, err) // positioned: file:line:col already
		}
		return p, nil
	case imports.FormatKafel:
		return imported(cmd, arg, data, imports.Kafel)
	case imports.FormatMinijail:
		return imported(cmd, arg, data, imports.Minijail)
	case imports.FormatSystemd:
		return imported(cmd, arg, data, imports.Systemd)
	}
	p, err := policy.Load(arg, policy.LoadOptions{})
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return p, nil
}

// noFileNamed reports whether no file is named arg, so that a built-in
// policy of that name applies (loadPolicy reads a file first).
func noFileNamed(arg string) bool {
	_, err := os.Stat(arg)
	return errors.Is(err, fs.ErrNotExist)
}

// imported reads a policy in another tool's format, printing its losses.
func imported(cmd *cobra.Command, arg string, data []byte, importer func(string, []byte) (*seccomp.Policy, []imports.Warning, error)) (*seccomp.Policy, error) {
	p, warnings, err := importer(arg, data)
	for _, w := range warnings {
		fmt.Fprintln(cmd.ErrOrStderr(), w)
	}
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return p, nil
}

// compilePolicy loads and compiles in one step.
func compilePolicy(cmd *cobra.Command, arg string) (*seccomp.Policy, *seccomp.Program, error) {
	p, err := loadPolicy(cmd, arg)
	if err != nil {
		return nil, nil, err
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		return nil, nil, withCode(exitUsage, fmt.Errorf("%s: %w", arg, err))
	}
	return p, prog, nil
}
