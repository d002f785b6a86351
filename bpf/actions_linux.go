package bpf

import (
	"os"
	"strings"
	"sync"
)

// KernelActions lists the seccomp filter return actions the running kernel
// offers (/proc/sys/kernel/seccomp/actions_avail: "kill_process ...
// user_notif ..."), read once; nil when it cannot be read.
var KernelActions = sync.OnceValue(func() []string {
	b, err := os.ReadFile("/proc/sys/kernel/seccomp/actions_avail")
	if err != nil {
		return nil
	}
	return strings.Fields(string(b))
})
