package main

// The generator's inputs as data: which ABIs, how gcc must be told about
// each, which headers hold the constants, and which constant families to keep.

// targets lists the ABIs in the order of syscalls.Arches. Each compiles with
// the host gcc (x86_64), so the non-x86 ones undefine the x86 macros and
// define what their own compiler would (__aarch64__, __ARM_EABI__, ...);
// -m32 gives the 32-bit ABIs their 4-byte long for sizeof() in _IOW().
var targets = []target{
	{name: "x86_64", goArc: "X86_64", dirs: []string{"x86_64-linux-gnu"}, flags: []string{"-m64"}},
	{name: "i386", goArc: "I386", dirs: []string{"i386-linux-gnu"}, flags: []string{"-m32"}},
	{name: "x32", goArc: "X32", dirs: []string{"x86_64-linux-gnux32"}, flags: []string{"-mx32"}},
	{name: "aarch64", goArc: "AArch64", dirs: []string{"aarch64-linux-gnu"},
		flags: []string{"-m64", "-U__x86_64__", "-U__amd64__", "-D__aarch64__"}},
	{name: "arm", goArc: "ARM", dirs: []string{"arm-linux-gnueabihf"},
		flags: []string{"-m32", "-U__i386__", "-D__arm__", "-D__ARM_EABI__", "-D__ARM_PCS_VFP"}},
	{name: "riscv64", goArc: "RISCV64", dirs: []string{"riscv64-linux-gnu"},
		flags: []string{"-m64", "-U__x86_64__", "-U__amd64__", "-D__riscv", "-D__riscv_xlen=64"}},
}

// syscallHeader is included per target; <asm/unistd.h> picks the ABI's list
// (unistd_64.h, unistd_32.h, unistd_x32.h, unistd-eabi.h) from the macros above.
const syscallHeader = "asm/unistd.h"

// notSyscalls are __NR_ macros that are bases, masks or counts, not calls.
var notSyscalls = map[string]bool{
	"__NR_SYSCALL_BASE": true, "__NR_OABI_SYSCALL_BASE": true, "__NR_SYSCALL_MASK": true,
	"__ARM_NR_BASE": true, "__NR_syscalls": true, "__NR_arch_specific_syscall": true,
}

// errnoAliases are names glibc adds on top of the kernel's errno.h.
var errnoAliases = map[string]string{"ENOTSUP": "EOPNOTSUPP"}

// uapiHeaders hold the constants, each compiled in its own translation unit
// (some UAPI headers conflict with each other). Earlier headers win when a
// name is defined in two places.
var uapiHeaders = []string{
	"linux/fcntl.h", "linux/openat2.h", "linux/sched.h", "linux/prctl.h",
	"asm/mman.h", "linux/mman.h", "linux/memfd.h", "linux/personality.h",
	"asm/signal.h", "linux/mount.h", "linux/fs.h", "linux/seccomp.h", "linux/keyctl.h",
	"linux/futex.h", "linux/netlink.h", "asm/socket.h", "linux/in.h", "linux/in6.h",
	"linux/capability.h", "linux/resource.h", "linux/sockios.h", "asm/ioctls.h",
	"asm/termbits.h", "linux/random.h", "linux/userfaultfd.h", "linux/ptrace.h",
	"linux/io_uring.h", "linux/eventfd.h", "linux/kcmp.h", "linux/close_range.h",
	"linux/eventpoll.h", "linux/pidfd.h", "linux/timerfd.h", "linux/falloc.h",
	"linux/wait.h", "linux/bpf.h", "linux/perf_event.h", "linux/membarrier.h",
	"linux/reboot.h", "linux/stat.h", "linux/module.h", "asm/prctl.h",
}

// libcHeaders supply what the kernel keeps out of its UAPI (the address
// families, socket types and levels, send/recv flags, umount2's MNT_*). They are compiled for
// x86_64 only: these values are the same on every ABI ringfence supports.
var libcHeaders = []string{"sys/socket.h", "netinet/in.h", "sys/mount.h", "sys/swap.h"}

// libcTarget compiles glibc's headers for x86_64.
var libcTarget = target{name: "x86_64 (glibc)", dirs: []string{"x86_64-linux-gnu"}, flags: []string{"-m64", "-D_GNU_SOURCE"}, libc: true}

// family is one group of constants a policy may name.
type family struct {
	re  string // anchored regular expression on the name
	doc string
}

// families are the constant groups kept in the tables. A name is kept when
// it matches one of them and compiles to an integer constant.
var families = []family{
	{`AF_[A-Z0-9_]+`, "address families (socket domain)"},
	{`SOCK_[A-Z0-9_]+`, "socket types and SOCK_CLOEXEC/SOCK_NONBLOCK"},
	{`MSG_[A-Z0-9_]+`, "send/recv flags"},
	{`SHUT_[A-Z]+`, "shutdown how"},
	{`SOL_[A-Z0-9_]+`, "socket option levels"},
	{`SO_[A-Z0-9_]+`, "SOL_SOCKET options"},
	{`SCM_[A-Z0-9_]+`, "control messages"},
	{`IPPROTO_[A-Z0-9_]+`, "IP protocols"},
	{`CLONE_[A-Z0-9_]+|CSIGNAL`, "clone/unshare/setns flags"},
	{`PR_[A-Z0-9_]+`, "prctl options and arguments"},
	{`PROT_[A-Z0-9_]+`, "mmap/mprotect protections"},
	{`MAP_[A-Z0-9_]+`, "mmap flags"},
	{`MREMAP_[A-Z0-9_]+`, "mremap flags"},
	{`MFD_[A-Z0-9_]+`, "memfd_create flags"},
	{`MADV_[A-Z0-9_]+`, "madvise advice"},
	{`MCL_[A-Z0-9_]+`, "mlockall flags"},
	{`PKEY_[A-Z0-9_]+`, "memory protection keys"},
	{`O_[A-Z0-9_]+`, "open flags (differ between architectures)"},
	{`AT_[A-Z0-9_]+`, "*at() dirfd and flags"},
	{`RESOLVE_[A-Z0-9_]+`, "openat2 resolve flags"},
	{`F_[A-Z0-9_]+|FD_CLOEXEC`, "fcntl commands and flags"},
	{`TIOC[A-Z0-9_]*|TC[A-Z][A-Z0-9_]*|FIO[A-Z0-9_]+`, "terminal and file ioctl requests"},
	{`SIOC[A-Z0-9_]+`, "socket ioctl requests"},
	{`SIG[A-Z0-9_]+|SA_[A-Z0-9_]+`, "signals and sigaction flags"},
	{`PER_[A-Z0-9_]+|UNAME26|ADDR_NO_RANDOMIZE|FDPIC_FUNCPTRS|MMAP_PAGE_ZERO|ADDR_COMPAT_LAYOUT|READ_IMPLIES_EXEC|ADDR_LIMIT_32BIT|SHORT_INODE|WHOLE_SECONDS|STICKY_TIMEOUTS|ADDR_LIMIT_3GB`, "personality domains and flags"},
	{`MS_[A-Z0-9_]+|MNT_[A-Z0-9_]+|UMOUNT_[A-Z0-9_]+|MOVE_MOUNT_[A-Z0-9_]+|OPEN_TREE_[A-Z0-9_]+|FSOPEN_[A-Z0-9_]+|FSMOUNT_[A-Z0-9_]+|MOUNT_ATTR_[A-Z0-9_]+`, "mount flags"},
	{`SECCOMP_[A-Z0-9_]+`, "seccomp operations, flags and return values"},
	{`KEYCTL_[A-Z0-9_]+|KEY_SPEC_[A-Z0-9_]+|KEY_REQKEY_[A-Z0-9_]+`, "keyctl operations"},
	{`FUTEX_[A-Z0-9_]+`, "futex operations"},
	{`NETLINK_[A-Z0-9_]+`, "netlink protocols and options"},
	{`CAP_[A-Z0-9_]+`, "capability numbers"},
	{`RLIMIT_[A-Z0-9_]+|RLIM_INFINITY`, "resource limits"},
	{`EFD_[A-Z0-9_]+`, "eventfd flags"},
	{`GRND_[A-Z0-9_]+`, "getrandom flags"},
	{`UFFD_[A-Z0-9_]+|UFFDIO_[A-Z0-9_]+`, "userfaultfd flags and ioctls"},
	{`PTRACE_[A-Z0-9_]+`, "ptrace requests and options"},
	{`IORING_[A-Z0-9_]+`, "io_uring setup flags, opcodes, registration ops"},
	{`KCMP_[A-Z0-9_]+`, "kcmp types"},
	{`CLOSE_RANGE_[A-Z0-9_]+`, "close_range flags"},
	{`EPOLL[A-Z0-9_]+`, "epoll flags and events"},
	{`PIDFD_[A-Z0-9_]+`, "pidfd flags"},
	{`TFD_[A-Z0-9_]+`, "timerfd flags"},
	{`FALLOC_FL_[A-Z0-9_]+`, "fallocate modes"},
	{`P_ALL|P_PID|P_PGID|P_PIDFD|W(NOHANG|UNTRACED|STOPPED|EXITED|CONTINUED|NOWAIT)`, "waitid types and wait options"},
	{`BPF_MAP_CREATE|BPF_MAP_[A-Z_]*ELEM|BPF_PROG_LOAD|BPF_OBJ_[A-Z_]+|BPF_PROG_[A-Z_]+|BPF_MAP_[A-Z_]+|BPF_BTF_[A-Z_]+|BPF_LINK_[A-Z_]+|BPF_ENABLE_STATS|BPF_ITER_CREATE|BPF_TOKEN_CREATE|BPF_TASK_FD_QUERY|BPF_RAW_TRACEPOINT_OPEN`, "bpf(2) commands"},
	{`PERF_FLAG_[A-Z0-9_]+|PERF_TYPE_[A-Z0-9_]+`, "perf_event_open flags and types"},
	{`MEMBARRIER_CMD_[A-Z0-9_]+`, "membarrier commands"},
	{`LINUX_REBOOT_[A-Z0-9_]+`, "reboot magic and commands"},
	{`SEEK_[A-Z]+`, "lseek whence"},
	{`STATX_[A-Z0-9_]+`, "statx mask and attributes"},
	{`S_IF[A-Z]+|S_I[RWX](USR|GRP|OTH)|S_IRWX[UGO]|S_IS(UID|GID|VTX)`, "file types and mode bits"},
	{`RENAME_[A-Z0-9_]+`, "renameat2 flags"},
	{`LOCK_[A-Z]+`, "flock operations"},
	{`SWAP_FLAG_[A-Z0-9_]+`, "swapon flags"},
	{`ARCH_[A-Z0-9_]+`, "arch_prctl options (x86)"},
	{`CLOCK_[A-Z0-9_]+`, "clock ids"},
	{`MODULE_INIT_[A-Z0-9_]+`, "finit_module flags"},
}
