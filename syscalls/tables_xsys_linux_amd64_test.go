package syscalls

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestX86_64MatchesXSys(t *testing.T) {
	for name, want := range map[string]int{
		"read": unix.SYS_READ, "write": unix.SYS_WRITE, "openat": unix.SYS_OPENAT, "openat2": unix.SYS_OPENAT2,
		"clone": unix.SYS_CLONE, "clone3": unix.SYS_CLONE3, "execve": unix.SYS_EXECVE, "execveat": unix.SYS_EXECVEAT,
		"socket": unix.SYS_SOCKET, "connect": unix.SYS_CONNECT, "ioctl": unix.SYS_IOCTL, "prctl": unix.SYS_PRCTL,
		"seccomp": unix.SYS_SECCOMP, "ptrace": unix.SYS_PTRACE, "mount": unix.SYS_MOUNT, "umount2": unix.SYS_UMOUNT2,
		"unshare": unix.SYS_UNSHARE, "setns": unix.SYS_SETNS, "bpf": unix.SYS_BPF, "io_uring_setup": unix.SYS_IO_URING_SETUP,
		"pidfd_open": unix.SYS_PIDFD_OPEN, "landlock_create_ruleset": unix.SYS_LANDLOCK_CREATE_RULESET,
		"futex_waitv": unix.SYS_FUTEX_WAITV, "mseal": unix.SYS_MSEAL, "fchmodat2": unix.SYS_FCHMODAT2,
		"process_vm_writev": unix.SYS_PROCESS_VM_WRITEV, "kexec_file_load": unix.SYS_KEXEC_FILE_LOAD,
		"arch_prctl": unix.SYS_ARCH_PRCTL, "rt_sigreturn": unix.SYS_RT_SIGRETURN, "exit_group": unix.SYS_EXIT_GROUP,
		"getrandom": unix.SYS_GETRANDOM, "memfd_create": unix.SYS_MEMFD_CREATE, "userfaultfd": unix.SYS_USERFAULTFD,
		"kcmp": unix.SYS_KCMP, "perf_event_open": unix.SYS_PERF_EVENT_OPEN, "personality": unix.SYS_PERSONALITY,
	} {
		if got, ok := Number(ArchX86_64, name); !ok || got != want {
			t.Errorf("x86_64 %s = %d, %v; x/sys/unix says %d", name, got, ok, want)
		}
	}
}
