package main

import (
	"bytes"
	"testing"
)

// TestSubcommandNames: each subcommand is registered under its own name,
// the one newRootCmd looks up in the command line.
func TestSubcommandNames(t *testing.T) {
	for name, build := range subcommands {
		if got := build().Name(); got != name {
			t.Errorf("subcommand registered as %q is named %q", name, got)
		}
	}
}

// TestOneSubcommandTree: a command line that names a subcommand is handled
// by a tree holding only that subcommand exactly as by the whole tree: the
// same output, errors and exit code.
func TestOneSubcommandTree(t *testing.T) {
	for name := range subcommands {
		for _, args := range [][]string{{name, "--help"}, {name, "--no-such-flag"}, {name, "--kernel"}} {
			if one := newRootCmd(args); len(one.Commands()) != 1 {
				t.Fatalf("%q: the tree holds %d subcommands, want only %s", args, len(one.Commands()), name)
			}
			var oneOut, wholeOut bytes.Buffer
			oneCode := executeRoot(newRootCmd(args), args, &oneOut, &oneOut)
			wholeCode := executeRoot(newRootCmd(nil), args, &wholeOut, &wholeOut)
			if oneCode != wholeCode || oneOut.String() != wholeOut.String() {
				t.Errorf("%q: one-subcommand tree gives %d %q, the whole tree %d %q", args, oneCode, oneOut.String(), wholeCode, wholeOut.String())
			}
		}
	}
}

// TestWholeTreeOtherwise: help, completion and a command line that starts
// with a flag or a typo see every subcommand.
func TestWholeTreeOtherwise(t *testing.T) {
	for _, args := range [][]string{nil, {"--version"}, {"help"}, {"completion", "bash"}, {"--kernel", "6.1", "run"}, {"rnu"}} {
		if got := len(newRootCmd(args).Commands()); got != len(subcommands) {
			t.Errorf("%q: %d subcommands, want all %d", args, got, len(subcommands))
		}
	}
	var out bytes.Buffer
	if code := executeWith([]string{"rnu"}, &out, &out); code != exitUsage || !bytes.Contains(out.Bytes(), []byte("Did you mean this?\n\trun")) {
		t.Errorf("a typo: exit %d %q, want a suggestion of run", code, out.String())
	}
}
