package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestRunEnv: --env sets a variable for CMD (over the allowlisted caller
// variables) and --keep-env passes a caller variable that the allowlist
// drops; anything else of the caller's stays out.
func TestRunEnv(t *testing.T) {
	t.Setenv("RINGFENCE_KEPT", "kept")
	t.Setenv("RINGFENCE_DROPPED", "dropped")
	t.Setenv("HOME", "/caller-home")
	var out, errOut bytes.Buffer
	code := executeWith([]string{"run", "--env", "FOO=bar", "--env", "HOME=/set", "--keep-env", "RINGFENCE_KEPT", "--",
		"/bin/sh", "-c", `echo "FOO=$FOO HOME=$HOME KEPT=$RINGFENCE_KEPT DROPPED=$RINGFENCE_DROPPED"`}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got, want := strings.TrimSpace(out.String()), "FOO=bar HOME=/set KEPT=kept DROPPED="; got != want {
		t.Errorf("CMD saw %q, want %q", got, want)
	}
}
