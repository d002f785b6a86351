package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestRunRepeatedFlags: the flags given once per value keep every value
// as typed (commas included), from the command line and from --config
// (where the command line wins), and help shows their type and no default.
func TestRunRepeatedFlags(t *testing.T) {
	config := filepath.Join(t.TempDir(), "run.yaml")
	if err := os.WriteFile(config, []byte("ro-bind: [/a, /b]\nbind: /ignored\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var f runFlags
	cmd := &cobra.Command{}
	f.register(cmd)
	if err := cmd.Flags().Parse([]string{"--bind", "/x:/y", "--bind", "/p,q", "--keep-env", "TERM", "--config", config}); err != nil {
		t.Fatal(err)
	}
	if err := f.applyConfigFile(cmd); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"bind", f.binds, []string{"/x:/y", "/p,q"}}, // the command line wins over --config
		{"ro-bind", f.roBinds, []string{"/a", "/b"}},
		{"keep-env", f.keepEnv, []string{"TERM"}},
		{"tmpfs", f.tmpfs, nil},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("--%s: %q, want %q", c.name, c.got, c.want)
		}
	}
	usage := cmd.Flags().FlagUsages()
	for _, name := range []string{"ro-bind", "bind", "tmpfs", "env", "keep-env", "require"} {
		line := usageLine(usage, "--"+name+" ")
		if !strings.Contains(line, "--"+name+" stringArray ") || strings.Contains(line, "(default") {
			t.Errorf("help for --%s: %q", name, line)
		}
	}
}

func usageLine(usage, prefix string) string {
	for _, l := range strings.Split(usage, "\n") {
		if strings.Contains(l, prefix) {
			return l
		}
	}
	return ""
}
