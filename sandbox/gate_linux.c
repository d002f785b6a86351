// The exec gate: fork CMD from the Go init with only C and raw system calls
// between fork and execve.
//
// Why C: the Go runtime cannot run Go code in a forked child (only the
// forking thread survives; the scheduler, GC and signal handlers assume the
// others), and the containment steps after fork must apply to CMD's single
// thread. Why raw and in this order: seccomp goes last, so execve is the only
// call the user's policy has to admit (the trap of nsjail#131 and
// firejail#1310, where the launcher's own calls after the filter needed
// lines in the policy).
//
// Failure reporting never needs a system call after the filter: the child
// writes the failing step and errno into a MAP_SHARED page, and the parent
// learns that the child is done (exec'd or dead) from EOF on a CLOEXEC pipe.
// With notify, the child also parks the listener fd number in the page and
// spins (no syscalls) until the parent has copied the fd with pidfd_getfd.
//
// Privileges: the caller (the init) is root in the sandbox's user
// namespace with every capability in it. The child drops them all before
// execve; see the step list in gate_child.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "gate_linux.h"
#include "sysnr_linux.h"

// cpu_relax is the spin-wait hint: pause on x86, a compiler barrier elsewhere.
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() __asm__ volatile("" ::: "memory")
#endif


struct gate_page {
	int failed;
	int err;
	char stage[32];
	char op[48];
	int traced;      // post_exec: the exec will stop for the init's steps
	int ready;       // notify: listener installed, fd number in listener
	int go;          // notify: parent has the fd, child may execve
	int listener;
	int pinned;      // post_exec: the init and the child run on one CPU...
	cpu_set_t cpus;  // ...until CMD gets these back
};

void rf_copy_str(char *dst, size_t n, const char *src) {
	size_t i = 0;
	for (; src && i + 1 < n && src[i]; i++) dst[i] = src[i];
	dst[i] = 0;
}

// fail records the failing step in the shared page and exits. exit_group
// may itself be denied by the filter in the exec step; then SIGSYS ends the
// child, which is just as final, and the page still says why.
static void __attribute__((noreturn)) fail(struct gate_page *p, const char *stage, const char *op, int err) {
	rf_copy_str(p->stage, sizeof p->stage, stage);
	rf_copy_str(p->op, sizeof p->op, op);
	p->err = err;
	__atomic_store_n(&p->failed, 1, __ATOMIC_RELEASE);
	syscall(SYS_exit_group, 127);
	for (;;) {
	}
}

static int close_fds(const struct gate_args *a, int keep_extra) {
	// close everything from 3 up except the kept fds, keep_extra (the
	// CLOEXEC pipe) and the Landlock ruleset
	int keep[a->nkeep + 2];
	int n = 0;
	for (int i = 0; i < a->nkeep; i++) keep[n++] = a->keep_fds[i];
	if (keep_extra >= 0) keep[n++] = keep_extra;
	if (a->landlock_fd >= 0) keep[n++] = a->landlock_fd;
	return rf_close_all_but(keep, n);
}

static void __attribute__((noreturn)) gate_child(const struct gate_args *a, struct gate_page *p, int pipe_w) {
	// Here: a child of the init sharing its memory, all signals blocked, root in
	// the user namespace with every capability, in the final mount view.

	// Signal handlers are all SIG_DFL already: the init reset them when it
	// started, and this child got a copy of its table.
	if (a->new_session && setsid() < 0) fail(p, "session", "setsid", errno);
	if (a->ctty && ioctl(0, TIOCSCTTY, 0) < 0) fail(p, "tty", "TIOCSCTTY", errno);
	if (close_fds(a, pipe_w) < 0) fail(p, "fds", "close_range", errno);
	for (int i = 0; i < a->nrlimits; i++) {
		struct rlimit rl = {.rlim_cur = a->rlimits[i].cur, .rlim_max = a->rlimits[i].max};
		if (setrlimit(a->rlimits[i].resource, &rl) < 0) fail(p, "rlimits", "setrlimit", errno);
	}
	if (a->dir && chdir(a->dir) < 0) fail(p, "chdir", "chdir", errno);

	// Identity, part 1: the gid while CAP_SETGID is still held (there are no
	// supplementary groups: the init dropped them, and setgroups is denied
	// in the user namespace). Raw calls:
	// glibc's set*id wrappers broadcast to every thread it believes exists
	// (setxid), and the supervisor's threads do not exist here: they
	// would wait forever.
	if (syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0) fail(p, "identity", "setresgid", errno);

	// Capabilities, part 1: the bounding set needs CAP_SETPCAP, so it goes
	// before setresuid (which may empty the permitted set).
	for (int c = 0; c <= a->cap_last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) fail(p, "capabilities", "PR_CAPBSET_DROP", errno);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		fail(p, "capabilities", "PR_CAP_AMBIENT_CLEAR_ALL", errno);

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) fail(p, "no_new_privs", "PR_SET_NO_NEW_PRIVS", errno);

	// Landlock: the ruleset was built by the Go init (create_ruleset and
	// add_rule are not per-thread); restrict_self is, so it happens here.
	if (a->landlock_fd >= 0) {
		if (syscall(SYS_landlock_restrict_self, a->landlock_fd, 0) < 0)
			fail(p, "landlock", "landlock_restrict_self", errno);
		close(a->landlock_fd);
	}

	// Identity, part 2, then capabilities, part 2: nothing left.
	if (syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0) fail(p, "identity", "setresuid", errno);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof data);
	if (syscall(SYS_capset, &hdr, data) < 0) fail(p, "capabilities", "capset", errno);
	int traced = a->post_exec;
	if (traced && faccessat(AT_FDCWD, a->path, R_OK, AT_EACCESS) < 0 && errno == EACCES) {
		// A program we may not read: execve makes it not dumpable by itself
		// (fs/exec.c, would_dump) and closes its memory to the init, so the
		// filter goes on here, as without post_exec steps.
		if (a->mlock) fail(p, "post-exec", "--mlock of an executable CMD may not read", EACCES);
		traced = 0;
	}
	// Inherited 0 from the init; the notify hand-off needs 1 so the init
	// may copy the listener with pidfd_getfd (and resets it after: the
	// memory is shared). execve sets it anew for CMD.
	int handoff = a->notify && a->filter && !traced;
	if (prctl(PR_SET_DUMPABLE, handoff, 0, 0, 0) < 0) fail(p, "dumpable", "PR_SET_DUMPABLE", errno);

	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) fail(p, "signals", "sigprocmask", errno);

	// Not traced after all: no ptrace stops, so every CPU again before the
	// filter (gate_spawn pinned us for the stops).
	if (!traced && p->pinned && sched_setaffinity(0, sizeof p->cpus, &p->cpus) < 0) fail(p, "cpus", "sched_setaffinity", errno);

	if (traced) {
		// The filter comes after execve, from the init (inject_linux.c):
		// be traced, so the exec stops us at the new program's entry.
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) < 0) fail(p, "post-exec", "PTRACE_TRACEME", errno);
		p->traced = 1;
	} else if (a->filter) {
		// seccomp: the last call before execve. With notify, tell the
		// init that a listener is coming (our last call before the filter).
		if (handoff && write(pipe_w, "L", 1) != 1) fail(p, "notify", "write", errno);
		struct sock_fprog prog = {.len = a->filter_len, .filter = (struct sock_filter *)a->filter};
		long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, a->seccomp_flags, &prog);
		if (fd < 0) fail(p, "seccomp", "seccomp(SECCOMP_SET_MODE_FILTER)", errno);
		if (handoff) {
			p->listener = (int)fd;
			__atomic_store_n(&p->ready, 1, __ATOMIC_RELEASE);
			while (!__atomic_load_n(&p->go, __ATOMIC_ACQUIRE)) cpu_relax();
		}
	}
	execve(a->path, a->argv, a->envp);
	fail(p, "exec", "execve", errno);
}

int rf_pin_here(cpu_set_t *saved) {
	int cpu = sched_getcpu();
	if (cpu < 0 || sched_getaffinity(0, sizeof *saved, saved) < 0 || CPU_COUNT(saved) < 2) return 0;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof one, &one) == 0;
}

struct child_ctx {
	const struct gate_args *a;
	struct gate_page *p;
	int pipe_r, pipe_w;
};

static int gate_child_entry(void *arg) {
	struct child_ctx *c = arg;
	close(c->pipe_r);
	gate_child(c->a, c->p, c->pipe_w);
}

// gate_done frees what the child used, now that it has exec'd or died, and
// makes the init not dumpable again if the child (sharing its memory) made
// it dumpable for the notify hand-off.
static void gate_done(int handed_off, struct gate_page *p, void *stack, size_t stack_size) {
	if (handed_off) prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (p->pinned) sched_setaffinity(0, sizeof p->cpus, &p->cpus);
	munmap(stack, stack_size);
	munmap(p, sizeof *p);
}

int gate_spawn(const struct gate_args *a, struct gate_result *r) {
	memset(r, 0, sizeof *r);
	r->pid = -1;
	r->listener_fd = -1;
	struct gate_page *p = mmap(NULL, sizeof(struct gate_page), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		rf_copy_str(r->stage, sizeof r->stage, "gate");
		rf_copy_str(r->op, sizeof r->op, "mmap");
		r->err = errno;
		return -1;
	}
	memset(p, 0, sizeof *p);
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		rf_copy_str(r->stage, sizeof r->stage, "gate");
		rf_copy_str(r->op, sizeof r->op, "pipe2");
		r->err = errno;
		munmap(p, sizeof *p);
		return -1;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	// posix_spawn's way: CLONE_VM on a stack of its own, so no page tables
	// are copied (the init's memory is a copy of the whole Go supervisor's).
	// Without notify, CLONE_VFORK too: this thread sleeps until the child
	// has exec'd or died. With notify the init must run while the child
	// waits (pidfd_getfd), so no CLONE_VFORK; the two then share errno (the
	// init's calls here succeed and leave it alone) and dumpable, which the
	// child sets to 1 for the hand-off and the init resets after the exec.
	// Every other step the child takes is per task or per process (creds,
	// seccomp, Landlock, rlimits, session, fd table, cwd).
	const size_t stack_size = 256 * 1024;
	// Without notify or post-exec steps the child is a plain vfork child.
	// Otherwise the init must run while it waits (the listener hand-off),
	// which the child decides at its end (see traced).
	int vfork = !a->notify && !a->post_exec;
	void *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	long pid = -1;
	// The post-exec steps are a ping-pong of ptrace stops between this
	// process and CMD: on one CPU each stop is a switch, across two it
	// wakes an idle CPU (~1 ms in all on the VMs we measure on). So the
	// init and the child stay on this CPU until CMD is let go
	// (gate_post_exec gives it every CPU back first; gate_done, us).
	if (a->post_exec) p->pinned = rf_pin_here(&p->cpus);
	// ctx lives until this function returns, which is after the child has
	// exec'd or died: without CLONE_VFORK it reads ctx while we go on.
	struct child_ctx ctx = {.a = a, .p = p, .pipe_r = pfd[0], .pipe_w = pfd[1]};
	if (stack != MAP_FAILED) {
		int flags = CLONE_VM | SIGCHLD | (vfork ? CLONE_VFORK : 0);
		pid = clone(gate_child_entry, (char *)stack + stack_size, flags, &ctx);
	}
	int clone_err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(pfd[1]);
	if (pid < 0) {
		rf_copy_str(r->stage, sizeof r->stage, "gate");
		rf_copy_str(r->op, sizeof r->op, stack == MAP_FAILED ? "mmap stack" : "clone");
		r->err = clone_err;
		close(pfd[0]);
		if (p->pinned) sched_setaffinity(0, sizeof p->cpus, &p->cpus);
		if (stack != MAP_FAILED) munmap(stack, stack_size);
		munmap(p, sizeof *p);
		return -1;
	}
	r->pid = (int)pid;

	// The child writes 'L' to the pipe just before it installs a filter
	// with a listener; otherwise the pipe says nothing until EOF (exec'd
	// or dead). After 'L', the listener is one system call away: yield
	// until it is parked (the child cannot wake us: no call but execve
	// after its filter), copy it, and let the child go on.
	char mark = 0;
	while (read(pfd[0], &mark, 1) < 0 && errno == EINTR) {
	}
	if (mark == 'L') {
		for (;;) {
			if (__atomic_load_n(&p->ready, __ATOMIC_ACQUIRE)) break;
			struct pollfd pf = {.fd = pfd[0], .events = POLLIN};
			if (poll(&pf, 1, 0) > 0 && !__atomic_load_n(&p->ready, __ATOMIC_ACQUIRE)) break; // EOF: the child failed
			sched_yield();
		}
		if (__atomic_load_n(&p->ready, __ATOMIC_ACQUIRE)) {
			int pidfd = syscall(SYS_pidfd_open, (int)pid, 0);
			int lfd = pidfd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, p->listener, 0);
			int e = errno;
			if (pidfd >= 0) close(pidfd);
			if (lfd < 0) {
				kill((int)pid, SIGKILL);
				waitpid((int)pid, NULL, 0);
				rf_copy_str(r->stage, sizeof r->stage, "notify");
				rf_copy_str(r->op, sizeof r->op, pidfd < 0 ? "pidfd_open" : "pidfd_getfd");
				r->err = e;
				close(pfd[0]);
				gate_done(mark == 'L', p, stack, stack_size);
				r->pid = -1;
				return -1;
			}
			fcntl(lfd, F_SETFD, FD_CLOEXEC);
			r->listener_fd = lfd;
			__atomic_store_n(&p->go, 1, __ATOMIC_RELEASE);
		}
	}
	// EOF on the CLOEXEC pipe: the child exec'd or died.
	char c;
	while (read(pfd[0], &c, 1) < 0 && errno == EINTR) {
	}
	close(pfd[0]);
	if (__atomic_load_n(&p->failed, __ATOMIC_ACQUIRE)) {
		rf_copy_str(r->stage, sizeof r->stage, p->stage);
		rf_copy_str(r->op, sizeof r->op, p->op);
		r->err = p->err;
		waitpid((int)pid, NULL, 0);
		if (r->listener_fd >= 0) close(r->listener_fd);
		r->listener_fd = -1;
		r->pid = -1;
		gate_done(mark == 'L', p, stack, stack_size);
		return -1;
	}
	if (__atomic_load_n(&p->traced, __ATOMIC_ACQUIRE) && gate_post_exec(a, (int)pid, p->pinned ? &p->cpus : NULL, sizeof p->cpus, r) < 0) {
		kill((int)pid, SIGKILL);
		waitpid((int)pid, NULL, __WALL);
		if (r->listener_fd >= 0) close(r->listener_fd);
		r->listener_fd = -1;
		r->pid = -1;
		gate_done(mark == 'L', p, stack, stack_size);
		return -1;
	}
	gate_done(mark == 'L', p, stack, stack_size);
	return 0;
}
