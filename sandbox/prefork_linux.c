// The preforked init: the sandbox's init cloned by a C constructor, before
// the Go runtime starts, for programs that start a sandbox right away (the
// ringfence CLI's run and learn). Forking the init from the Go process
// later costs a copy of its page tables (~1.5 ms on the VMs we measure on)
// and leaves the init a copy-on-write image of the supervisor's memory;
// forked here, the init is a copy of a process that has run nothing but
// libc's start, and it makes its namespaces on the other CPU while the Go
// runtime starts. It then waits for its plan, which the supervisor writes
// into memory both share (MAP_SHARED, the same address in both), and
// becomes the init of rf_spawn (init_linux.c) from there on.
//
// Who forks one: a program that defines rf_prefork_wanted (returning the
// RF_PREFORK bits of init_linux.h for its argv), or any program started
// with RINGFENCE_PREFORK=N, N those bits (1 prefork, 3 and speculate, +4
// pin the supervisor to its CPU); RINGFENCE_PREFORK=0 turns it all off.
// A speculating init also takes the default identity and namespaces while
// Go starts (~1 ms here); the supervisor uses it only for a plan that asks
// for exactly those, and otherwise forks an init of its own, so the
// program's guess costs time when wrong, never correctness. A program that
// never takes its preforked init leaves nothing behind: the init waits on
// a socket whose other end closes when the program exits, and dies with
// it.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>

#include "init_linux.h"
#include "sysnr_linux.h"

// The plan's room: virtual, only the pages the plan fills are touched.
#define RF_PREFORK_ARENA (1UL << 20)

// How long the init spins for its plan after the supervisor's "W".
#define RF_PREFORK_SPIN_NS (20L * 1000 * 1000)

// Defined by a program that wants its init preforked for this argv.
extern int rf_prefork_wanted(int argc, char **argv) __attribute__((weak));

// The preforked init, until Start takes it; lock orders take against
// wake, which must never write to the socket once it is taken (it is
// closed then, and its number may be another file's).
static struct rf_prefork pre = {.pid = -1, .pidfd = -1, .sock = -1};
static int pre_ready;
static pthread_mutex_t pre_lock = PTHREAD_MUTEX_INITIALIZER;

// The handoff message; the fds ride along as SCM_RIGHTS.
struct rf_prefork_go {
	struct rf_init_args *args;
	int32_t nfds;
};

// fix_fd turns an index into fds into the fd (-1 stays -1).
static int fix_fd(int *fd, const int *fds, int nfds) {
	if (*fd < 0) return 0;
	if (*fd >= nfds) return -1;
	*fd = fds[*fd];
	return 0;
}

// fix_fds turns every fd field of a from an index into fds into the fd
// this process received.
static int fix_fds(struct rf_init_args *a, const int *fds, int nfds) {
	int bad = 0;
	for (int i = 0; i < 3; i++) bad |= fix_fd(&a->stdio[i], fds, nfds);
	for (int i = 0; i < a->nkeep; i++) bad |= fix_fd((int *)&a->keep_src[i], fds, nfds);
	bad |= fix_fd(&a->sock, fds, nfds);
	bad |= fix_fd(&a->sync_r, fds, nfds);
	for (int i = 0; i < a->ntrees; i++) bad |= fix_fd(&a->trees[i], fds, nfds);
	return bad;
}

// next_msg blocks for the next message (spinning: polls for it, yielding the
// CPU, for up to RF_PREFORK_SPIN_NS, then -1 with EAGAIN).
static ssize_t next_msg(int sock, struct msghdr *mh, size_t control, int spinning) {
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		mh->msg_controllen = control;
		ssize_t n = recvmsg(sock, mh, MSG_CMSG_CLOEXEC | (spinning ? MSG_DONTWAIT : 0));
		if (n >= 0 || (errno != EAGAIN && errno != EINTR)) return n;
		if (!spinning) continue;
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000000000L + (t.tv_nsec - t0.tv_nsec) >= RF_PREFORK_SPIN_NS) {
			errno = EAGAIN;
			return -1;
		}
	}
}

// recv_plan waits for the plan and its fds; NULL when the supervisor
// discards the init or is gone. A one-byte "W" (rf_prefork_wake) says the
// plan is being made: waking an idle CPU costs ~0.3 ms on the VMs we
// measure on, so the init then spins for it (yielding the CPU to anyone
// who wants it) for a while before it sleeps again.
static struct rf_init_args *recv_plan(int sock, void *arena) {
	struct rf_prefork_go go;
	int fds[RF_MAX_FDS];
	union {
		char buf[CMSG_SPACE(sizeof fds)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = &go, .iov_len = sizeof go};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf};
	ssize_t n = next_msg(sock, &mh, sizeof u.buf, 0);
	while (n == 1) {
		n = next_msg(sock, &mh, sizeof u.buf, 1);
		if (n < 0 && errno == EAGAIN) n = next_msg(sock, &mh, sizeof u.buf, 0);
	}
	if (n != (ssize_t)sizeof go || (mh.msg_flags & MSG_CTRUNC)) return NULL;
	int nfds = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
		nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fds, CMSG_DATA(c), nfds * sizeof(int));
	}
	char *lo = arena, *p = (char *)go.args;
	if (p < lo || p + sizeof *go.args > lo + RF_PREFORK_ARENA || go.nfds != nfds) return NULL;
	if (fix_fds(go.args, fds, nfds) < 0) return NULL;
	return go.args;
}

// early_as_root does, while the Go runtime starts, what every sandbox's
// init does first as global root in its pid namespace, whatever the plan
// (as_global_root, init_linux.c): vm.memfd_noexec=2 where the kernel has
// it (the supervisor asks for it whenever it is root), and the proc mount.
// A step that fails here is left to as_global_root, which reports it.
static void early_as_root(struct rf_early *e) {
	int fd = open(RF_MEMFD_NOEXEC, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		e->memfd_noexec = write(fd, "2", 1) == 1;
		close(fd);
	}
	const char *what;
	e->proc_fd = rf_make_proc(&what);
}

static void __attribute__((noreturn)) prefork_child(int sock, void *arena, int root, const struct rf_identity *spec) {
	// Until the plan comes, die with the program (its main thread, which
	// forked us and which Go never ends); if it died before this prctl,
	// its end of sock is closed and recv_plan returns NULL.
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	struct rf_early early = {.proc_fd = -1};
	if (root) early_as_root(&early);
	if (spec) {
		// The default identity and namespaces, which the supervisor
		// accepts only for a plan that asks for exactly these; a failure
		// is reported once the plan (and the socket to report on) comes.
		early.entered = 1;
		if (rf_enter(spec, &early.what) < 0) early.err = errno;
	}
	struct rf_init_args *a = recv_plan(sock, arena);
	if (!a) syscall(SYS_exit_group, 0);
	close(sock);
	rf_init_main(a, &early);
}

// default_identity is what a speculating init enters: as root the
// default host ids and every namespace but the pid one (made by clone3),
// rootless the caller's ids and every namespace clone3 did not make.
static struct rf_identity default_identity(int root) {
	uint64_t rest = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	if (root) return (struct rf_identity){.host_ids = 1, .host_uid = RF_DEFAULT_HOST_ID, .host_gid = RF_DEFAULT_HOST_ID, .unshare_flags = rest | CLONE_NEWUSER};
	return (struct rf_identity){.host_uid = (int)geteuid(), .host_gid = (int)getegid(), .unshare_flags = rest};
}

static void prefork(int speculate) {
	void *arena = mmap(NULL, RF_PREFORK_ARENA, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED) return;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		munmap(arena, RF_PREFORK_ARENA);
		return;
	}
	// As root only the pid namespace (the init does what only global root
	// may there first: init_linux.h, rf_init_args.two_step); rootless the
	// user namespace too. The rest follows the plan.
	int root = geteuid() == 0;
	uint64_t flags = root ? CLONE_NEWPID : CLONE_NEWUSER | CLONE_NEWPID;
	struct rf_identity spec = default_identity(root);
	int pfd = -1;
	long pid = rf_clone_init(flags, &pfd);
	if (pid == 0) {
		close(sv[0]);
		prefork_child(sv[1], arena, root, speculate ? &spec : NULL);
	}
	close(sv[1]);
	if (pid < 0) {
		// No user namespaces, say: the Go path reports why.
		close(sv[0]);
		munmap(arena, RF_PREFORK_ARENA);
		return;
	}
	pre = (struct rf_prefork){.pid = (int)pid, .pidfd = pfd, .sock = sv[0], .flags = flags, .arena = arena, .arena_size = RF_PREFORK_ARENA, .speculated = speculate, .spec = spec};
	pre_ready = 1;
}

// The CPUs the program started with, when RF_PREFORK_PIN took them: the
// supervisor stays on the CPU it runs on. The Go runtime sizes itself by
// the CPUs it may use (GOMAXPROCS is their number), so it then starts one
// P, fewer threads, and none of them on the CPU where the preforked init
// works meanwhile; the CLI's run is ~10% faster here. Its work is light:
// planning, then waiting on a socket, a pidfd and the seccomp listener.
static cpu_set_t start_cpus;
static int pinned;

void rf_restore_affinity(void) {
	if (pinned) sched_setaffinity(0, sizeof start_cpus, &start_cpus);
}

__attribute__((constructor)) static void rf_prefork_ctor(int argc, char **argv) {
	int want = rf_prefork_wanted ? rf_prefork_wanted(argc, argv) : 0;
	const char *env = getenv("RINGFENCE_PREFORK");
	if (env) want = env[0] >= '0' && env[0] <= '7' && env[1] == 0 ? env[0] - '0' : 0;
	if (want & RF_PREFORK) prefork(want & RF_PREFORK_SPECULATE);
	if (want & RF_PREFORK_PIN) pinned = rf_pin_here(&start_cpus); // after the fork: the preforked init keeps every CPU
}

int rf_prefork_take(struct rf_prefork *p) {
	pthread_mutex_lock(&pre_lock);
	int ready = pre_ready;
	pre_ready = 0;
	*p = pre;
	pthread_mutex_unlock(&pre_lock);
	return ready;
}

int rf_prefork_wake(void) {
	pthread_mutex_lock(&pre_lock);
	int r = pre_ready && send(pre.sock, "W", 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 0 : -1;
	pthread_mutex_unlock(&pre_lock);
	return r;
}

int rf_prefork_release(int sock, struct rf_init_args *a, const int *fds, int nfds) {
	struct rf_prefork_go go = {.args = a, .nfds = nfds};
	int r;
	while ((r = rf_send(sock, &go, sizeof go, fds, nfds)) < 0 && errno == EINTR) {
	}
	int err = errno;
	close(sock);
	errno = err;
	return r;
}
