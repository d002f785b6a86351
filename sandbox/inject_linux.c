// Steps that must happen in CMD after its execve, made by the init with
// ptrace before CMD runs a single instruction of its own.
//
// Why: execve gives CMD a new memory map, and with it the kernel resets
// what belongs to the old one: mlockall's MCL_FUTURE (mm->def_flags) and
// PR_SET_DUMPABLE (begin_new_exec sets it back to 1 for an ordinary
// program). Neither can be set from outside, so the gate child asks to be
// traced (PTRACE_TRACEME) and execs without its seccomp filter; the kernel
// stops it with SIGTRAP once the new program is loaded, at its entry point.
// Here the init makes CMD itself call prctl(PR_SET_DUMPABLE, 0), then
// mlockall (with --mlock), then seccomp(SET_MODE_FILTER) with the user's
// filter copied onto CMD's stack, and with a notify listener pidfd_getfd's
// it and makes CMD close its own copy. It then restores the entry point's
// bytes and registers and detaches. The filter is still installed before
// CMD's first instruction, and the user's policy still never needs a line
// for the launcher: the calls are made before the filter exists. The one
// after it, close of CMD's copy of the listener, is answered by the init
// itself (SECCOMP_USER_NOTIF_FLAG_CONTINUE) when the filter notifies it,
// which the reporting filters do for every call the policy denies.
//
// Each call is injected by pointing CMD's instruction pointer at a syscall
// instruction of its vDSO (the same image as ours, at another address),
// setting the registers, and single-stepping once; CMD's code and memory
// are never written, except the filter, copied below its stack pointer
// with process_vm_writev before anything else. (Patching the entry point
// instead would need a ptrace write after PR_SET_DUMPABLE 0, which the
// kernel then refuses a tracer that TRACEME made.) Only x86_64 is
// implemented; elsewhere the gate refuses the steps that need it
// (gate_post_exec_supported).

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "gate_linux.h"
#include "sysnr_linux.h"


static void set_result(struct gate_result *r, const char *op, int err) {
	rf_copy_str(r->stage, sizeof r->stage, "post-exec");
	rf_copy_str(r->op, sizeof r->op, op);
	r->err = err;
}

#if defined(__x86_64__)
#include <elf.h>
#include <sys/user.h>

int gate_post_exec_supported(void) { return 1; }

// tracee is CMD stopped at its entry point.
struct tracee {
	int pid;
	struct user_regs_struct regs; // as the exec left them
	unsigned long syscall_insn;   // a syscall instruction in its vDSO
};

// vdso_syscall_offset is the offset of a syscall instruction (0f 05) in
// our vDSO, which is the tracee's too (one image per kernel); -1 if none.
static long vdso_syscall_offset(void) {
	const unsigned char *base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
	if (!base) return -1;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	size_t size = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff + (size_t)i * eh->e_phentsize);
		if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > size) size = ph->p_offset + ph->p_filesz;
	}
	for (size_t i = 0; i + 1 < size; i++)
		if (base[i] == 0x0f && base[i + 1] == 0x05) return (long)i;
	return -1;
}

// stack_reader reads the tracee's memory word by word, a chunk at a time.
struct stack_reader {
	int pid;
	unsigned long at; // next address to read
	unsigned long buf[512];
	int i, n;
};

static int next_word(struct stack_reader *s, unsigned long *w) {
	if (s->i == s->n) {
		struct iovec local = {.iov_base = s->buf, .iov_len = sizeof s->buf};
		struct iovec remote = {.iov_base = (void *)s->at, .iov_len = sizeof s->buf};
		ssize_t got = process_vm_readv(s->pid, &local, 1, &remote, 1, 0);
		if (got < (ssize_t)sizeof(unsigned long)) return -1;
		s->n = (int)(got / sizeof(unsigned long));
		s->i = 0;
		s->at += (unsigned long)got;
	}
	*w = s->buf[s->i++];
	return 0;
}

// vdso_base is the tracee's vDSO address, from the auxiliary vector that
// the exec left on its stack (argc, argv[], NULL, envp[], NULL, auxv): read
// with process_vm_readv, since the sandbox may have no /proc.
static unsigned long vdso_base(int pid, unsigned long sp) {
	struct stack_reader s = {.pid = pid, .at = sp};
	unsigned long w, val;
	if (next_word(&s, &w) < 0) return 0;
	long argc = (long)w;
	(void)argc; // argv[argc] is the first NULL: count NULLs instead
	for (int nulls = 0; nulls < 2;) {
		if (next_word(&s, &w) < 0) return 0;
		if (w == 0) nulls++;
	}
	// auxv: (type, value) pairs up to AT_NULL.
	while (next_word(&s, &w) == 0 && w != AT_NULL) {
		if (next_word(&s, &val) < 0) return 0;
		if (w == AT_SYSINFO_EHDR) return val;
	}
	return 0;
}

// wait_stop waits until the tracee stops (or ends: -1).
static int wait_stop(int pid) {
	int status;
	for (;;) {
		if (waitpid(pid, &status, __WALL) < 0) {
			if (errno == EINTR) continue;
			return -1;
		}
		if (WIFSTOPPED(status)) return WSTOPSIG(status);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			errno = ESRCH;
			return -1;
		}
	}
}

// step_with_listener lets the tracee's close(fd) through when the filter
// notifies it, until the tracee stops again. Any other notification here
// would be a call the tracee cannot be making: it is refused. It sleeps
// until either happens: the stop sends the init SIGCHLD, which stays
// blocked in the init and so is readable from a signalfd.
static int step_with_listener(int pid, int listener, int fd) {
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) return -1;
	int ret;
	for (;;) {
		int status;
		int w = waitpid(pid, &status, WNOHANG | __WALL);
		if (w == pid) {
			errno = ESRCH;
			ret = WIFSTOPPED(status) ? WSTOPSIG(status) : -1;
			break;
		}
		if (w < 0 && errno != EINTR) {
			ret = -1;
			break;
		}
		struct pollfd pf[2] = {{.fd = listener, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
		if (poll(pf, 2, -1) < 0) continue;
		if (pf[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sfd, &si, sizeof si) < 0) {
				// Nothing pending after all: poll again.
			}
		}
		if (!(pf[0].revents & POLLIN)) continue;
		struct seccomp_notif req;
		memset(&req, 0, sizeof req);
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) continue;
		struct seccomp_notif_resp resp = {.id = req.id};
		if ((int)req.pid == pid && req.data.nr == SYS_close && (int)req.data.args[0] == fd)
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		else
			resp.error = -EPERM;
		ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	close(sfd);
	return ret;
}

// call makes the tracee run one system call and returns its result
// (-errno on failure, as the kernel returns it). With listener >= 0, a
// notification for close(arg0) is let through (step_with_listener).
static long call_l(struct tracee *t, int listener, long nr, long a0, long a1, long a2, long a3, long a4, long a5, int *fault) {
	struct user_regs_struct regs = t->regs;
	regs.rip = t->syscall_insn;
	regs.rax = nr;
	regs.orig_rax = -1; // not in a system call: nothing to restart
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.r10 = a3;
	regs.r8 = a4;
	regs.r9 = a5;
	*fault = 0;
	if (ptrace(PTRACE_SETREGS, t->pid, 0, &regs) < 0 || ptrace(PTRACE_SINGLESTEP, t->pid, 0, 0) < 0) {
		*fault = errno;
		return 0;
	}
	errno = 0;
	int sig = listener >= 0 ? step_with_listener(t->pid, listener, (int)a0) : wait_stop(t->pid);
	if (sig != SIGTRAP || ptrace(PTRACE_GETREGS, t->pid, 0, &regs) < 0) {
		*fault = errno ? errno : EIO;
		return 0;
	}
	return (long)regs.rax;
}

static long call(struct tracee *t, long nr, long a0, long a1, long a2, long a3, long a4, long a5, int *fault) {
	return call_l(t, -1, nr, a0, a1, a2, a3, a4, a5, fault);
}

// put copies n bytes into the tracee's memory at addr.
static int put(int pid, unsigned long addr, const void *src, size_t n) {
	struct iovec local = {.iov_base = (void *)src, .iov_len = n};
	struct iovec remote = {.iov_base = (void *)addr, .iov_len = n};
	return process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -1;
}

int gate_post_exec(const struct gate_args *a, int pid, const void *cpus, size_t cpus_size, struct gate_result *r) {
	struct tracee t = {.pid = pid};
	int fault = 0;
	if (wait_stop(pid) != SIGTRAP) {
		set_result(r, "wait for the exec stop", errno ? errno : EIO);
		return -1;
	}
	// If the init dies now, CMD dies with it rather than run unfiltered.
	if (ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_EXITKILL) < 0 || ptrace(PTRACE_GETREGS, pid, 0, &t.regs) < 0) {
		set_result(r, "ptrace", errno);
		return -1;
	}
	long off = vdso_syscall_offset();
	unsigned long vdso = vdso_base(pid, t.regs.rsp);
	if (off < 0 || vdso == 0) {
		set_result(r, "find a syscall instruction in the vDSO", ENOENT);
		return -1;
	}
	t.syscall_insn = vdso + (unsigned long)off;
	// CMD must be a 64-bit program (the numbers below are x86_64's), and
	// its vDSO must be ours (not an x32 or i386 image): check the two bytes.
	unsigned char insn[2] = {0, 0};
	struct iovec local = {.iov_base = insn, .iov_len = 2};
	struct iovec remote = {.iov_base = (void *)t.syscall_insn, .iov_len = 2};
	if (t.regs.cs != 0x33 || process_vm_readv(pid, &local, 1, &remote, 1, 0) != 2 || insn[0] != 0x0f || insn[1] != 0x05) {
		set_result(r, "CMD is not a 64-bit x86_64 program with the kernel's vDSO", ENOEXEC);
		return -1;
	}
	// The filter goes onto CMD's stack first, while nothing restricts us:
	// struct sock_fprog and the instructions, below the stack pointer (the
	// exec left 128 KiB of stack mapped there).
	unsigned long fprog = 0;
	if (a->filter) {
		size_t len = (size_t)a->filter_len * sizeof(struct sock_filter);
		unsigned long insns = (t.regs.rsp - 8192 - len) & ~15UL;
		fprog = insns - 16;
		struct {
			unsigned short len;
			unsigned long filter;
		} prog = {.len = a->filter_len, .filter = insns};
		if (put(pid, insns, a->filter, len) < 0 || put(pid, fprog, &prog, sizeof prog) < 0) {
			set_result(r, "copy the filter", errno);
			return -1;
		}
	}
	long ret = call(&t, SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0, &fault);
	if (fault || ret < 0) {
		set_result(r, "prctl(PR_SET_DUMPABLE, 0)", fault ? fault : (int)-ret);
		return -1;
	}
	if (a->mlock) {
		ret = call(&t, SYS_mlockall, MCL_CURRENT | MCL_FUTURE, 0, 0, 0, 0, 0, &fault);
		if (fault || ret < 0) {
			set_result(r, "mlockall(MCL_CURRENT|MCL_FUTURE)", fault ? fault : (int)-ret);
			return -1;
		}
	}
	if (a->filter) {
		ret = call(&t, SYS_seccomp, SECCOMP_SET_MODE_FILTER, a->seccomp_flags, fprog, 0, 0, 0, &fault);
		if (fault || ret < 0) {
			set_result(r, "seccomp(SECCOMP_SET_MODE_FILTER)", fault ? fault : (int)-ret);
			return -1;
		}
		if (a->notify) {
			int pidfd = syscall(SYS_pidfd_open, pid, 0);
			int lfd = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, (int)ret, 0);
			int e = errno;
			if (pidfd >= 0) close(pidfd);
			if (lfd < 0) {
				set_result(r, pidfd < 0 ? "pidfd_open" : "pidfd_getfd", e);
				return -1;
			}
			r->listener_fd = lfd;
			// CMD must not keep its own copy: whoever holds the listener
			// answers for the filter.
			long c = call_l(&t, lfd, SYS_close, ret, 0, 0, 0, 0, 0, &fault);
			if (fault || c < 0) {
				set_result(r, "close the listener in CMD", fault ? fault : (int)-c);
				return -1;
			}
		}
	}
	if (ptrace(PTRACE_SETREGS, pid, 0, &t.regs) < 0) {
		set_result(r, "restore the registers", errno);
		return -1;
	}
	// Pinned with us for the stops (gate_spawn): every CPU before its
	// first instruction, so that nothing it forks inherits one.
	if (cpus && sched_setaffinity(pid, cpus_size, cpus) < 0) {
		set_result(r, "give CMD every CPU back", errno);
		return -1;
	}
	if (ptrace(PTRACE_DETACH, pid, 0, 0) < 0) {
		set_result(r, "detach", errno);
		return -1;
	}
	return 0;
}

#else

int gate_post_exec_supported(void) { return 0; }

int gate_post_exec(const struct gate_args *a, int pid, const void *cpus, size_t cpus_size, struct gate_result *r) {
	(void)a;
	(void)pid;
	(void)cpus;
	(void)cpus_size;
	set_result(r, "not implemented on this architecture", ENOSYS);
	return -1;
}

#endif
