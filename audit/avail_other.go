//go:build !linux

package audit

// NotifyAvailable reports whether this kernel has SECCOMP_RET_USER_NOTIF
// (never, off Linux).
func NotifyAvailable() bool { return false }
