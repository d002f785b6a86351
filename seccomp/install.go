package seccomp

import "strings"

// InstallFlags choose how Install loads a filter. The zero value is what a
// sandbox wants: no_new_privs set, the filter applied to every thread of the
// process (TSYNC), which Go programs need because the runtime runs
// goroutines on many threads.
type InstallFlags uint32

const (
	// InstallNoTSync applies the filter to the calling thread only: lock
	// the goroutine to its thread (runtime.LockOSThread) before Install and
	// keep it locked, or the Go scheduler will run other goroutines on the
	// filtered thread. Without it, SECCOMP_FILTER_FLAG_TSYNC.
	InstallNoTSync InstallFlags = 1 << iota
	// InstallLog logs every action but allow (SECCOMP_FILTER_FLAG_LOG).
	InstallLog
	// InstallNewListener returns a user-notification fd for ActNotify
	// (SECCOMP_FILTER_FLAG_NEW_LISTENER). With TSYNC this implies
	// InstallTSyncESRCH, which the kernel requires for the combination.
	InstallNewListener
	// InstallSpecAllow leaves speculative-store-bypass mitigation off
	// (SECCOMP_FILTER_FLAG_SPEC_ALLOW).
	InstallSpecAllow
	// InstallTSyncESRCH makes a failed TSYNC return ESRCH instead of the id
	// of the thread that could not be synchronized.
	InstallTSyncESRCH
	// InstallHaveSysAdmin skips prctl(PR_SET_NO_NEW_PRIVS): the caller has
	// CAP_SYS_ADMIN in its user namespace and wants setuid binaries to keep
	// working under the filter.
	InstallHaveSysAdmin
)

var installFlagNames = []string{"no-tsync", "log", "new-listener", "spec-allow", "tsync-esrch", "have-sys-admin"}

func (f InstallFlags) String() string {
	var parts []string
	if f&InstallNoTSync == 0 {
		parts = append(parts, "tsync")
	}
	for i, n := range installFlagNames {
		if f&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, "|")
}
