package audit

import (
	"os"
	"strings"
)

// NotifyAvailable reports whether this kernel has SECCOMP_RET_USER_NOTIF,
// which violation reports, complain mode and learn mode are built on.
func NotifyAvailable() bool {
	b, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
	return err == nil && strings.Contains(" "+strings.TrimSpace(string(b))+" ", " user_notif ")
}
