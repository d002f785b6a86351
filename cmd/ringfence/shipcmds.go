package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/policy"
)

func init() {
	subcommands["export"] = newExportCmd
	subcommands["import"] = newImportCmd
}

func newExportCmd() *cobra.Command {
	var format, out, name string
	cmd := &cobra.Command{
		Use:   "export POLICY --format oci|spo|bpf",
		Short: "Write a policy in a format Docker, Kubernetes, runc, crun or bwrap enforce",
		Long: `Formats:
  oci  OCI runtime-spec linux.seccomp JSON: docker run --security-opt seccomp=FILE,
       podman, runc/crun config.json, Kubernetes localhost profiles
  spo  a Security Profiles Operator SeccompProfile resource (YAML)
  bpf  the raw filter (struct sock_filter array) for bwrap --seccomp FD`,
		Example: `  ringfence export app.policy --format oci -o app.json
  ringfence export app.policy --format spo --name myapp | kubectl apply -f -
  ringfence export app.policy --format bpf -o app.bpf`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			var warnings []oci.Warning
			switch format {
			case "bpf":
				_, prog, err := compilePolicy(cmd, args[0])
				if err != nil {
					return err
				}
				data = prog.Bytes()
			case "oci", "spo":
				p, err := loadPolicy(cmd, args[0])
				if err != nil {
					return err
				}
				if format == "oci" {
					data, warnings, err = oci.Export(p, oci.ExportOptions{})
				} else {
					data, warnings, err = oci.ExportSPO(p, name, oci.ExportOptions{})
				}
				for _, w := range warnings {
					fmt.Fprintln(cmd.ErrOrStderr(), w)
				}
				if err != nil {
					return withCode(exitFailed, err)
				}
			default:
				return withCode(exitUsage, fmt.Errorf("unknown format %q (known: oci, spo, bpf)", format))
			}
			return writeOutput(cmd, out, data)
		},
	}
	cmd.Flags().StringVar(&format, "format", "oci", "oci, spo or bpf")
	cmd.Flags().StringVarP(&out, "output", "o", "", "where to write (- or empty: standard output)")
	cmd.Flags().StringVar(&name, "name", "ringfence", "metadata.name of the SeccompProfile (spo)")
	return cmd
}

func newImportCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Turn an OCI/Docker profile, Kafel, minijail or systemd filter into a ringfence policy",
		Long: `Import reads a policy in another tool's format and prints a readable
ringfence policy that decides every syscall the same way (or says, per loss,
what it could not carry over): an OCI/Docker JSON seccomp profile (evaluated
for --caps and --kernel, as Docker would for a container with those
capabilities), a Kafel policy (nsjail), a minijail .policy file, or systemd
SystemCallFilter= lines. The format is told from the content.`,
		Example: `  ringfence import docker-default.json -o docker.policy
  ringfence import --caps CAP_SYS_ADMIN docker-default.json
  ringfence import nsjail.kafel
  ringfence import myservice.service`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := loadPolicy(cmd, args[0])
			if err != nil {
				return err
			}
			return writeOutput(cmd, out, policy.Print(p))
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "where to write (- or empty: standard output)")
	return cmd
}

func writeOutput(cmd *cobra.Command, path string, data []byte) error {
	if path == "" || path == "-" {
		_, err := cmd.OutOrStdout().Write(data)
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
