package audit

import (
	"slices"

	"github.com/ringfence/ringfence/bpf"
)

// NotifyAvailable reports whether this kernel has SECCOMP_RET_USER_NOTIF,
// which violation reports, complain mode and learn mode are built on.
func NotifyAvailable() bool { return slices.Contains(bpf.KernelActions(), "user_notif") }
