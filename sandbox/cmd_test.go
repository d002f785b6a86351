package sandbox

import (
	"syscall"
	"testing"
)

func TestExitErrorMessages(t *testing.T) {
	for _, tc := range []struct {
		e    ExitError
		want string
	}{
		{ExitError{Code: 3}, "exit status 3"},
		{ExitError{Code: 137, Signal: syscall.SIGKILL}, "killed by signal SIGKILL"},
		{ExitError{Code: 159, Signal: syscall.SIGSYS, Reason: ReasonSeccomp}, "killed by seccomp: SIGSYS"},
		{ExitError{Code: 137, Signal: syscall.SIGKILL, Reason: ReasonTimeout, Detail: "2s"}, "killed: timeout of 2s reached"},
		{ExitError{Code: 152, Signal: syscall.SIGXCPU, Reason: ReasonCPUTime}, "killed: CPU time limit reached (SIGXCPU)"},
		{ExitError{Code: 137, Signal: syscall.SIGKILL, Reason: ReasonMemory, Detail: "memory limit 64 MiB reached (1 process OOM-killed)"}, "killed: memory limit 64 MiB reached (1 process OOM-killed)"},
	} {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
