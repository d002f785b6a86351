//go:build cgo

// The sandbox's init stage: PID 1 of the sandbox, forked straight from the
// supervisor by rf_spawn with clone3 and running only this C code. There is
// no execve and no second Go runtime: the supervisor's Go code plans
// everything (the mount operations, the Landlock rules, the gate's
// arguments) into struct rf_init_args, and the child reads its copy of that
// memory. Starting a second Go runtime cost more than everything the init
// does (docs/run-design.md, "Cost of each stage").
//
// Rules for this file: the child is a copy of one thread of a
// multi-threaded Go process, so it uses only system calls and thin libc
// wrappers. No malloc, no stdio, no locks, and no glibc set*id or
// setgroups wrappers (they broadcast to threads that do not exist here).
// Go's signal handlers are reset before anything else; every signal stays
// blocked in the init (the reaper takes them with sigwaitinfo).
//
// Privilege: rootless, from the clone on the child is in new user, mount,
// pid, ipc, uts, cgroup (and network) namespaces with every capability of
// its user namespace and none on the host. As root it starts as global
// root in a new pid namespace only, does what only global root may
// (two_step), takes the sandbox's host ids and unshares the rest. Either
// way it maps its own ids, takes the inside ids, builds the file system
// view, Landlock ruleset, hostname and loopback, then forks CMD through
// the exec gate (gate_linux.c), which drops everything; the filter is in
// force before CMD's first instruction (inject_linux.c).

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <linux/capability.h>

#include "init_linux.h"
#include "sysnr_linux.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

// clone3's arguments (struct clone_args up to tls).
struct rf_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

#define RF_OPEN_TREE_CLONE 1
#define RF_AT_RECURSIVE 0x8000
#define RF_MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#define RF_LANDLOCK_RULE_PATH_BENEATH 1
#define RF_FSOPEN_CLOEXEC 1
#define RF_FSCONFIG_CMD_CREATE 6
#define RF_FSMOUNT_CLOEXEC 1
#define RF_MOUNT_ATTR_NOSUID 0x2
#define RF_MOUNT_ATTR_NODEV 0x4
#define RF_MOUNT_ATTR_NOEXEC 0x8

struct rf_mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};

struct rf_ruleset_attr {
	uint64_t handled_access_fs, handled_access_net, scoped;
};

struct rf_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

// The init's working state.
struct init {
	struct rf_init_args *a;
	int sock;
	int landlock_fd;
	int cmd_pid;
	int listener;
	int proc_fd;      // two_step: the pid namespace's proc, made as global root
	int memfd_noexec; // two_step: vm.memfd_noexec is 2 already
	int pty;     // tty: the master
	struct rf_msg msg;
	struct timespec t;
};

static int64_t ns_of(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

// send_msg sends m with nfds fds attached (SCM_RIGHTS).
static void send_msg(int sock, const struct rf_msg *m, const int *fds, int nfds) {
	while (rf_send(sock, m, sizeof *m, fds, nfds) < 0 && errno == EINTR) {
	}
}

int rf_send(int sock, const void *buf, size_t len, const int *fds, int nfds) {
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	union {
		char buf[CMSG_SPACE(RF_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	if (nfds > RF_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	if (nfds > 0) {
		memset(&u, 0, sizeof u);
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) == (ssize_t)len ? 0 : -1;
}

// fail_at reports the failing step and ends the init (and with it the
// namespaces, and every mount made so far).
static void __attribute__((noreturn)) fail_at(struct init *st, int stage, int index, const char *what, const char *path, int err) {
	st->msg.type = RF_MSG_ERROR;
	st->msg.stage = stage;
	st->msg.index = index;
	st->msg.err = err;
	rf_copy_str(st->msg.what, sizeof st->msg.what, what);
	rf_copy_str(st->msg.path, sizeof st->msg.path, path);
	send_msg(st->sock, &st->msg, NULL, 0);
	syscall(SYS_exit_group, 125);
	for (;;) {
	}
}

static void __attribute__((noreturn)) fail(struct init *st, int stage, int index, const char *what, int err) {
	fail_at(st, stage, index, what, NULL, err);
}

// stage_done records how long the stage took.
static void stage_done(struct init *st, int stage) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	st->msg.stage_ns[stage] = ns_of(&now) - ns_of(&st->t);
	st->t = now;
}

// ---- fds ----------------------------------------------------------------

static void sort_ints(int *v, int n) {
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

int rf_close_all_but(int *keep, int n) {
	sort_ints(keep, n);
	unsigned int from = 3;
	for (int i = 0; i < n; i++) {
		if (keep[i] < (int)from) continue;
		if ((unsigned int)keep[i] > from && syscall(SYS_close_range, from, keep[i] - 1, 0) < 0) return -1;
		from = keep[i] + 1;
	}
	return syscall(SYS_close_range, from, ~0U, 0);
}

// move_fds puts stdio at 0-2 and the kept fds at their numbers, moves the
// init's own fds (socket, sync pipe, mount trees) above all of them, and
// closes every other fd the child inherited from the supervisor: other
// sandboxes' sockets and pipes, the Go runtime's epoll fd, files.
static int move_fds(struct rf_init_args *a, int *proc_fd) {
	int base = 3;
	for (int i = 0; i < a->nkeep; i++)
		if (a->keep_dst[i] >= base) base = a->keep_dst[i] + 1;
	// High copies first: a source may sit on another's destination.
	int hi_stdio[3], hi_keep[a->nkeep + 1];
	for (int i = 0; i < 3; i++)
		if ((hi_stdio[i] = fcntl(a->stdio[i], F_DUPFD_CLOEXEC, base)) < 0) return -1;
	for (int i = 0; i < a->nkeep; i++)
		if ((hi_keep[i] = fcntl(a->keep_src[i], F_DUPFD_CLOEXEC, base)) < 0) return -1;
	if ((a->sock = fcntl(a->sock, F_DUPFD_CLOEXEC, base)) < 0) return -1;
	if (a->sync_r >= 0 && (a->sync_r = fcntl(a->sync_r, F_DUPFD_CLOEXEC, base)) < 0) return -1;
	for (int i = 0; i < a->ntrees; i++)
		if (a->trees[i] >= 0 && (a->trees[i] = fcntl(a->trees[i], F_DUPFD_CLOEXEC, base)) < 0) return -1;
	if (*proc_fd >= 0 && (*proc_fd = fcntl(*proc_fd, F_DUPFD_CLOEXEC, base)) < 0) return -1;
	// Then the final numbers, inherited by CMD.
	for (int i = 0; i < 3; i++)
		if (dup3(hi_stdio[i], i, 0) < 0) return -1;
	for (int i = 0; i < a->nkeep; i++)
		if (dup3(hi_keep[i], a->keep_dst[i], 0) < 0) return -1;
	int keep[a->nkeep + a->ntrees + 4];
	int n = 0;
	for (int i = 0; i < a->nkeep; i++) keep[n++] = a->keep_dst[i];
	keep[n++] = a->sock;
	if (a->sync_r >= 0) keep[n++] = a->sync_r;
	for (int i = 0; i < a->ntrees; i++)
		if (a->trees[i] >= 0) keep[n++] = a->trees[i];
	if (*proc_fd >= 0) keep[n++] = *proc_fd;
	return rf_close_all_but(keep, n);
}

// ---- identity -----------------------------------------------------------

// take_ids switches to the init's ids inside, with raw calls (see the top),
// and makes sure every capability of the namespace stays effective.
static void take_ids(struct init *st) {
	struct rf_init_args *a = st->a;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail(st, RF_STAGE_SETUP, -1, "PR_SET_KEEPCAPS", errno);
	if (syscall(SYS_setresgid, a->gid, a->gid, a->gid) < 0) fail(st, RF_STAGE_SETUP, -1, "setresgid", errno);
	if (syscall(SYS_setresuid, a->uid, a->uid, a->uid) < 0) fail(st, RF_STAGE_SETUP, -1, "setresuid", errno);
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &hdr, data) < 0) fail(st, RF_STAGE_SETUP, -1, "capget", errno);
	if (data[0].effective != data[0].permitted || data[1].effective != data[1].permitted) {
		data[0].effective = data[0].permitted;
		data[1].effective = data[1].permitted;
		if (syscall(SYS_capset, &hdr, data) < 0) fail(st, RF_STAGE_SETUP, -1, "capset", errno);
	}
	prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

// die_with_supervisor: SIGKILL when the supervisor's thread ends. After
// take_ids, which clears the setting (any change of credentials does);
// if the supervisor died before, its end of the socket is closed.
static void die_with_supervisor(struct init *st) {
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0) fail(st, RF_STAGE_SETUP, -1, "PR_SET_PDEATHSIG", errno);
	struct pollfd p = {.fd = st->sock, .events = POLLRDHUP};
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP))) syscall(SYS_exit_group, 125);
}

// write_file writes s to path, a small kernel file (/proc/self/uid_map,
// /proc/sys/...): through the host's /proc while it is still visible.
int rf_put_file(const char *path, const char *s, size_t n) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t w = write(fd, s, n);
	int err = errno;
	close(fd);
	if (w != (ssize_t)n) {
		errno = w < 0 ? err : EIO;
		return -1;
	}
	return 0;
}

static void write_file(struct init *st, const char *path, const char *s, size_t n) {
	if (rf_put_file(path, s, n) < 0) fail_at(st, RF_STAGE_SETUP, -1, "write", path, errno);
}

// write_self writes s to /proc/self/NAME.
static void write_self(struct init *st, const char *name, const char *s, size_t n) {
	char path[64] = "/proc/self/";
	rf_copy_str(path + 11, sizeof path - 11, name);
	write_file(st, path, s, n);
}

int rf_make_proc(const char **what) {
	long fs = syscall(SYS_fsopen, "proc", RF_FSOPEN_CLOEXEC);
	if (fs < 0) {
		*what = "fsopen proc";
		return -1;
	}
	long m = -1;
	*what = "fsconfig proc";
	if (syscall(SYS_fsconfig, fs, RF_FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0) {
		*what = "fsmount proc";
		m = syscall(SYS_fsmount, fs, RF_FSMOUNT_CLOEXEC, RF_MOUNT_ATTR_NOSUID | RF_MOUNT_ATTR_NODEV | RF_MOUNT_ATTR_NOEXEC);
	}
	int err = errno;
	close((int)fs);
	errno = err;
	return (int)m;
}

// as_global_root runs as global root in the new pid namespace (see
// rf_init_args.two_step): what only global root may do, before
// enter_namespaces takes the host ids and the user namespace.
static void as_global_root(struct init *st) {
	struct rf_init_args *a = st->a;
	if (a->memfd_noexec && !st->memfd_noexec) {
		// Per pid namespace, applied to the writer's: 2 means no memfd can
		// ever be executed here (Landlock does not see memfds).
		write_file(st, RF_MEMFD_NOEXEC, "2", 1);
	}
	if (st->proc_fd < 0) {
		const char *what;
		if ((st->proc_fd = rf_make_proc(&what)) < 0) fail(st, RF_STAGE_SETUP, -1, what, errno);
	}
}

// utoa writes n in decimal and returns the length.
static size_t utoa(char *out, unsigned long n) {
	char d[24];
	size_t k = 0, len = 0;
	do {
		d[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	while (k > 0) out[len++] = d[--k];
	return len;
}

// map_own_id writes "INSIDE HOST 1\n" to /proc/self/NAME.
static int map_own_id(const char *name, int inside, int host) {
	char line[64], path[32] = "/proc/self/";
	size_t n = utoa(line, (unsigned)inside);
	line[n++] = ' ';
	n += utoa(line + n, (unsigned)host);
	memcpy(line + n, " 1\n", 3);
	rf_copy_str(path + 11, sizeof path - 11, name);
	return rf_put_file(path, line, n + 3);
}

// rf_enter takes the sandbox's identity: as root (id->host_ids) it drops
// its supplementary groups and takes the host ids, with raw calls (see the
// top); then it unshares the namespaces, the user namespace first, and
// maps one uid and one gid of its user namespace, each to the host id it
// holds, which the kernel lets a process map for itself (with setgroups
// denied): no round trip to the supervisor. Dumpable first: a change of
// credentials made /proc/self host root's.
int rf_enter(const struct rf_identity *id, const char **what) {
	if (id->host_ids) {
		*what = "setgroups";
		if (syscall(SYS_setgroups, 0, NULL) < 0) return -1;
		*what = "setresgid";
		if (syscall(SYS_setresgid, id->host_gid, id->host_gid, id->host_gid) < 0) return -1;
		*what = "setresuid";
		if (syscall(SYS_setresuid, id->host_uid, id->host_uid, id->host_uid) < 0) return -1;
	}
	*what = "unshare";
	if (id->unshare_flags && unshare((int)id->unshare_flags) < 0) return -1;
	*what = "PR_SET_DUMPABLE";
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) return -1;
	*what = "write /proc/self/uid_map";
	if (map_own_id("uid_map", id->uid, id->host_uid) < 0) return -1;
	*what = "write /proc/self/setgroups";
	if (rf_put_file("/proc/self/setgroups", "deny", 4) < 0) return -1;
	*what = "write /proc/self/gid_map";
	return map_own_id("gid_map", id->gid, id->host_gid);
}

// enter_namespaces is rf_enter with the plan's identity.
static void enter_namespaces(struct init *st) {
	struct rf_init_args *a = st->a;
	struct rf_identity id = {
		.host_ids = a->two_step, .host_uid = a->host_uid, .host_gid = a->host_gid,
		.uid = a->uid, .gid = a->gid, .unshare_flags = a->unshare_flags,
	};
	const char *what;
	if (rf_enter(&id, &what) < 0) fail(st, RF_STAGE_SETUP, -1, what, errno);
}

// fmt_offset writes "CLOCK -SECS 0\n", the offset that takes a clock now
// at secs seconds back to one second.
static size_t fmt_offset(char *out, const char *clock, long secs) {
	size_t n = strlen(clock);
	memcpy(out, clock, n);
	out[n++] = ' ';
	out[n++] = '-';
	n += utoa(out + n, secs > 1 ? (unsigned long)(secs - 1) : 0);
	memcpy(out + n, " 0\n", 3);
	return n + 3;
}

// new_time_namespace gives CMD (everything the init forks from now on) a
// time namespace whose monotonic and boot-time clocks start near zero:
// the host's uptime, a fingerprint, is not seen inside. It runs while the
// init may still write its own /proc/PID files (before PR_SET_DUMPABLE 0),
// through the host's /proc, which is still visible. The gate child shares
// the init's memory (CLONE_VM) and enters the namespace at its execve.
static void new_time_namespace(struct init *st) {
	if (!st->a->new_time) return;
	if (unshare(CLONE_NEWTIME) < 0) fail(st, RF_STAGE_SETUP, -1, "unshare(CLONE_NEWTIME)", errno);
	struct timespec mono, boot;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	char buf[96];
	size_t n = 0;
	n += fmt_offset(buf + n, "monotonic", mono.tv_sec);
	n += fmt_offset(buf + n, "boottime", boot.tv_sec);
	write_self(st, "timens_offsets", buf, n);
}

// ---- mounts -------------------------------------------------------------

static int is_dir(const char *p) {
	struct stat s;
	return stat(p, &s) == 0 && S_ISDIR(s.st_mode);
}

// copy_path copies path into buf[4096] for editing: its length, or -1
// with ENAMETOOLONG.
static ssize_t copy_path(char buf[4096], const char *path) {
	size_t n = strlen(path);
	if (n >= 4096) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	return (ssize_t)n;
}

// mkdir_p makes path and its missing parents.
static int mkdir_p(const char *path) {
	if (is_dir(path)) return 0;
	char buf[4096];
	ssize_t n = copy_path(buf, path);
	if (n < 0) return -1;
	for (ssize_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != 0) continue;
		char c = buf[i];
		buf[i] = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) return -1;
		buf[i] = c;
	}
	if (!is_dir(path)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

// make_file makes an empty file at path (and its directory) if missing.
static int make_file(const char *path) {
	struct stat s;
	if (stat(path, &s) == 0) return 0;
	char dir[4096];
	if (copy_path(dir, path) < 0) return -1;
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		if (mkdir_p(dir) < 0) return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) return -1;
	close(fd);
	return 0;
}

static int attach_tree(struct init *st, int index, const struct rf_op *op) {
	int tree = st->a->trees[op->slot];
	struct stat s;
	if (fstat(tree, &s) < 0) fail(st, RF_STAGE_MOUNTS, index, "stat bind source", errno);
	if ((S_ISDIR(s.st_mode) ? mkdir_p(op->path) : make_file(op->path)) < 0)
		fail(st, RF_STAGE_MOUNTS, index, "create mount point", errno);
	struct rf_mount_attr attr = {.attr_set = op->attr, .propagation = MS_PRIVATE};
	if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | RF_AT_RECURSIVE, &attr, sizeof attr) < 0)
		fail(st, RF_STAGE_MOUNTS, index, "mount_setattr", errno);
	if (syscall(SYS_move_mount, tree, "", AT_FDCWD, op->path, RF_MOVE_MOUNT_F_EMPTY_PATH) < 0)
		fail(st, RF_STAGE_MOUNTS, index, "move_mount", errno);
	close(tree);
	st->a->trees[op->slot] = -1;
	return 0;
}

static void run_op(struct init *st, int index) {
	const struct rf_op *op = &st->a->ops[index];
	struct stat s;
	if (op->optional && lstat(op->path, &s) < 0) return;
	switch (op->kind) {
	case RF_OP_PRIVATE:
		if (mount("", op->path, NULL, MS_REC | MS_PRIVATE, NULL) < 0) fail(st, RF_STAGE_MOUNTS, index, "make private", errno);
		break;
	case RF_OP_OPEN_TREE: {
		long fd = syscall(SYS_open_tree, AT_FDCWD, op->path, RF_OPEN_TREE_CLONE | O_CLOEXEC | RF_AT_RECURSIVE);
		if (fd < 0) fail(st, RF_STAGE_MOUNTS, index, "open_tree", errno);
		st->a->trees[op->slot] = (int)fd;
		break;
	}
	case RF_OP_ATTACH:
		attach_tree(st, index, op);
		break;
	case RF_OP_MOUNT:
		if (mkdir_p(op->path) < 0) fail(st, RF_STAGE_MOUNTS, index, "create mount point", errno);
		if (mount(op->source, op->path, op->fstype, op->flags, op->data) < 0) fail(st, RF_STAGE_MOUNTS, index, "mount", errno);
		break;
	case RF_OP_BIND:
		if (make_file(op->path) < 0) fail(st, RF_STAGE_MOUNTS, index, "create mount point", errno);
		if (mount(op->source, op->path, NULL, MS_BIND, NULL) < 0) fail(st, RF_STAGE_MOUNTS, index, "bind", errno);
		break;
	case RF_OP_MKDIR:
		if (mkdir(op->path, op->mode) < 0) fail(st, RF_STAGE_MOUNTS, index, "mkdir", errno);
		break;
	case RF_OP_SYMLINK:
		if (symlink(op->source, op->path) < 0) fail(st, RF_STAGE_MOUNTS, index, "symlink", errno);
		break;
	case RF_OP_SETATTR: {
		struct rf_mount_attr attr = {.attr_set = op->attr};
		if (syscall(SYS_mount_setattr, AT_FDCWD, op->path, 0, &attr, sizeof attr) < 0)
			fail(st, RF_STAGE_MOUNTS, index, "make read-only", errno);
		break;
	}
	case RF_OP_PROC:
		if (mkdir_p(op->path) < 0) fail(st, RF_STAGE_MOUNTS, index, "create mount point", errno);
		if (st->proc_fd >= 0) {
			if (syscall(SYS_move_mount, st->proc_fd, "", AT_FDCWD, op->path, RF_MOVE_MOUNT_F_EMPTY_PATH) < 0)
				fail(st, RF_STAGE_MOUNTS, index, "move_mount", errno);
			close(st->proc_fd);
			st->proc_fd = -1;
		} else if (mount("proc", op->path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			fail(st, RF_STAGE_MOUNTS, index, "mount proc", errno);
		}
		break;
	case RF_OP_PIVOT:
		// pivot_root(".", ".") stacks the old root on top of the new one;
		// the lazy unmount then takes it away for good.
		if (chdir(op->path) < 0) fail(st, RF_STAGE_MOUNTS, index, "chdir", errno);
		if (syscall(SYS_pivot_root, ".", ".") < 0) fail(st, RF_STAGE_MOUNTS, index, "pivot_root", errno);
		if (umount2(".", MNT_DETACH) < 0) fail(st, RF_STAGE_MOUNTS, index, "detach old root", errno);
		if (chdir("/") < 0) fail(st, RF_STAGE_MOUNTS, index, "chdir /", errno);
		break;
	default:
		fail(st, RF_STAGE_MOUNTS, index, "unknown operation", EINVAL);
	}
}

static void stage_mounts(struct init *st) {
	for (int i = 0; i < st->a->nops; i++) run_op(st, i);
	for (int i = 0; i < st->a->ntrees; i++)
		if (st->a->trees[i] >= 0) {
			close(st->a->trees[i]);
			st->a->trees[i] = -1;
		}
}

// ---- hostname, loopback -------------------------------------------------

static void stage_hostname(struct init *st) {
	const char *h = st->a->hostname;
	if (h && sethostname(h, strlen(h)) < 0) fail(st, RF_STAGE_HOSTNAME, -1, "sethostname", errno);
}

static void stage_network(struct init *st) {
	if (!st->a->lo_up) return;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) fail(st, RF_STAGE_NETWORK, -1, "socket", errno);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	rf_copy_str(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) fail(st, RF_STAGE_NETWORK, -1, "SIOCGIFFLAGS lo", errno);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) fail(st, RF_STAGE_NETWORK, -1, "SIOCSIFFLAGS lo up", errno);
	close(s);
}

// ---- Landlock -----------------------------------------------------------

static void add_rule(struct init *st, int index, const char *path, uint64_t rights) {
	struct rf_init_args *a = st->a;
	int pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0) fail_at(st, RF_STAGE_LANDLOCK, index, "open", path, errno);
	struct stat s;
	if (fstat(pfd, &s) == 0 && !S_ISDIR(s.st_mode)) rights &= a->ll_file_rights;
	struct rf_path_beneath pb = {.allowed_access = rights & a->ll_handled_fs, .parent_fd = pfd};
	if (syscall(SYS_landlock_add_rule, st->landlock_fd, RF_LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		fail_at(st, RF_STAGE_LANDLOCK, index, "landlock_add_rule", path, errno);
	close(pfd);
}

// under_any reports whether p is one of list or beneath one.
static int under_any(const char *p, const char *const *list, int n) {
	for (int i = 0; i < n; i++) {
		size_t k = strlen(list[i]);
		if (strncmp(p, list[i], k) == 0 && (p[k] == 0 || p[k] == '/')) return 1;
	}
	return 0;
}

// holds_any reports whether some path of list is strictly beneath dir.
static int holds_any(const char *dir, const char *const *list, int n) {
	size_t k = strlen(dir);
	for (int i = 0; i < n; i++)
		if (strlen(list[i]) > k && strncmp(list[i], dir, k) == 0 && list[i][k] == '/') return 1;
	return 0;
}

struct rf_dirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
	char name[];
};

// exec_scan grants execute on every entry of dir (path[0:len]) that is
// neither writable nor holds a writable mount, splitting the directories
// that hold one. Rights are additive down the tree, so execute cannot be
// granted at / and taken away at /tmp: the read-only siblings get it.
static void exec_scan(struct init *st, char *path, size_t len) {
	struct rf_init_args *a = st->a;
	int fd = open(len ? path : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) return;
	char buf[4096] __attribute__((aligned(8)));
	long n;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct rf_dirent *d = (struct rf_dirent *)(buf + off);
			off += d->reclen;
			if (!strcmp(d->name, ".") || !strcmp(d->name, "..")) continue;
			size_t k = strlen(d->name);
			if (len + 1 + k + 1 > 4096) continue;
			path[len] = '/';
			memcpy(path + len + 1, d->name, k + 1);
			size_t plen = len + 1 + k;
			if (under_any(path, a->ll_noexec, a->nnoexec) || under_any(path, a->ll_writable, a->nwritable)) continue;
			if (holds_any(path, a->ll_writable, a->nwritable)) {
				int dir = d->type == DT_DIR;
				if (d->type == DT_UNKNOWN) {
					struct stat s;
					dir = fstatat(fd, d->name, &s, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(s.st_mode);
				}
				if (dir) exec_scan(st, path, plen);
				path[len] = 0;
				continue;
			}
			add_rule(st, -1, path, a->ll_exec_rights);
		}
	}
	path[len] = 0;
	close(fd);
}

// stage_landlock builds the ruleset for the final view; the gate child
// restricts itself with it (landlock_restrict_self is per thread).
static void stage_landlock(struct init *st) {
	struct rf_init_args *a = st->a;
	if (!a->landlock) return;
	struct rf_ruleset_attr attr = {.handled_access_fs = a->ll_handled_fs, .scoped = a->ll_scoped};
	long fd = syscall(SYS_landlock_create_ruleset, &attr, a->ll_attr_size, 0);
	if (fd < 0) fail(st, RF_STAGE_LANDLOCK, -1, "landlock_create_ruleset", errno);
	st->landlock_fd = (int)fd;
	for (int i = 0; i < a->nrules; i++) add_rule(st, i, a->rules[i].path, a->rules[i].rights);
	char path[4096];
	path[0] = 0;
	exec_scan(st, path, 0);
}

// ---- PATH lookup --------------------------------------------------------

static int join(char *out, size_t n, const char *dir, size_t dlen, const char *name) {
	size_t nlen = strlen(name);
	if (dlen + 1 + nlen + 1 > n) return -1;
	memcpy(out, dir, dlen);
	size_t k = dlen;
	if (k == 0 || out[k - 1] != '/') out[k++] = '/';
	memcpy(out + k, name, nlen + 1);
	return 0;
}

// stage_resolve finds CMD inside the sandbox's view, in CMD's PATH.
static void stage_resolve(struct init *st) {
	struct rf_init_args *a = st->a;
	const size_t n = 4096;
	if (strchr(a->cmd, '/')) {
		if (a->cmd[0] == '/') {
			rf_copy_str(a->resolved, n, a->cmd);
		} else if (join(a->resolved, n, a->gate.dir, strlen(a->gate.dir), a->cmd) < 0) {
			fail(st, RF_STAGE_RESOLVE, -1, "path too long", ENAMETOOLONG);
		}
		return;
	}
	for (const char *p = a->path_env; p && *p;) {
		const char *end = strchr(p, ':');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0 && p[0] == '/' && join(a->resolved, n, p, len, a->cmd) == 0) {
			struct stat s;
			if (stat(a->resolved, &s) == 0 && S_ISREG(s.st_mode) && (s.st_mode & 0111)) return;
		}
		if (!end) break;
		p = end + 1;
	}
	fail(st, RF_STAGE_RESOLVE, -1, "look up in PATH", ENOENT);
}

// ---- tty ------------------------------------------------------------------

// stage_tty opens a pty in the sandbox's own devpts, so that CMD's terminal
// has a name inside (ttyname, tty) and nothing of the host's devpts is
// reachable; the slave becomes fds 0-2, the master goes to the supervisor.
static void stage_tty(struct init *st) {
	struct rf_init_args *a = st->a;
	if (!a->tty) return;
	int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0) fail_at(st, RF_STAGE_TTY, -1, "open", "/dev/ptmx", errno);
	int unlock = 0;
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0) fail(st, RF_STAGE_TTY, -1, "unlockpt", errno);
	if (a->tty_rows && a->tty_cols) {
		struct winsize ws = {.ws_row = a->tty_rows, .ws_col = a->tty_cols};
		if (ioctl(m, TIOCSWINSZ, &ws) < 0) fail(st, RF_STAGE_TTY, -1, "TIOCSWINSZ", errno);
	}
	int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	if (s < 0) fail(st, RF_STAGE_TTY, -1, "TIOCGPTPEER", errno);
	if (fchown(s, a->gate.uid, a->gate.gid) < 0) fail(st, RF_STAGE_TTY, -1, "fchown", errno);
	for (int fd = 0; fd < 3; fd++)
		if (dup2(s, fd) < 0) fail(st, RF_STAGE_TTY, -1, "dup2", errno);
	if (s > 2) close(s);
	st->pty = m;
}

// ---- the gate -----------------------------------------------------------

static void stage_gate(struct init *st) {
	struct rf_init_args *a = st->a;
	a->gate.path = a->resolved;
	a->gate.landlock_fd = st->landlock_fd;
	struct gate_result r;
	if (gate_spawn(&a->gate, &r) < 0) {
		rf_copy_str(st->msg.gate_stage, sizeof st->msg.gate_stage, r.stage);
		fail_at(st, RF_STAGE_GATE, -1, r.op, a->resolved, r.err);
	}
	st->cmd_pid = r.pid;
	st->listener = r.listener_fd;
	if (st->landlock_fd >= 0) close(st->landlock_fd);
	st->landlock_fd = -1;
}

// ---- PID 1 --------------------------------------------------------------

// The signals the init forwards to CMD. They stay blocked in the init and
// are taken with sigwaitinfo: PID 1 of a pid namespace ignores signals
// whose handler is SIG_DFL, but a blocked signal is queued whatever its
// handler (kernel/signal.c, sig_ignored), so no handler is needed.
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

// reset_signals sets every handler to SIG_DFL: the supervisor's (Go's)
// handlers must never run here, and ignored signals would stay ignored in
// CMD across execve. The gate child inherits this table.
static void reset_signals(void) {
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int s = 1; s < 65; s++) {
		if (s == SIGKILL || s == SIGSTOP) continue;
		sigaction(s, &sa, NULL);
	}
}

// reap waits for every child (PID 1 inherits orphans) until CMD exits,
// forwarding signals to CMD meanwhile, and reports how CMD ended.
static void __attribute__((noreturn)) reap(struct init *st) {
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&set, forwarded[i]);
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&set, &si);
		if (sig < 0) continue;
		if (sig != SIGCHLD) {
			kill(st->cmd_pid, sig);
			continue;
		}
		for (;;) {
			int status;
			struct rusage ru;
			pid_t pid = wait4(-1, &status, WNOHANG, &ru);
			if (pid <= 0) break;
			if (pid != st->cmd_pid) continue;
			memset(&st->msg, 0, sizeof st->msg);
			st->msg.type = RF_MSG_EXIT;
			st->msg.status = status;
			st->msg.cpu_ns = ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000 +
					 ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000;
			send_msg(st->sock, &st->msg, NULL, 0);
			int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			syscall(SYS_exit_group, code);
		}
	}
}

// set_cmdline overwrites the init's copy of the supervisor's argv with its
// own name, so that ps shows "ringfence-init" rather than a second copy of
// the supervisor's command line. The bounds come from /proc/self/stat
// (fields 48 and 49, arg_start and arg_end).
static void set_cmdline(const char *name) {
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0) return;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0) return;
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p) return;
	unsigned long field[52] = {0};
	int k = 2; // the field after ')' is the 3rd
	for (p++; *p && k < 50; k++) {
		while (*p == ' ') p++;
		if (*p >= '0' && *p <= '9')
			for (; *p >= '0' && *p <= '9'; p++) field[k + 1] = field[k + 1] * 10 + (unsigned long)(*p - '0');
		else
			while (*p && *p != ' ') p++;
	}
	unsigned long start = field[48], end = field[49];
	if (start == 0 || end <= start || end - start > (1UL << 20)) return;
	char *area = (char *)start;
	memset(area, 0, end - start);
	rf_copy_str(area, end - start, name);
}

void rf_init_main(struct rf_init_args *a, const struct rf_early *early) {
	struct init st = {.a = a, .sock = -1, .landlock_fd = -1, .cmd_pid = -1, .listener = -1, .proc_fd = -1, .pty = -1};
	if (early) st.proc_fd = early->proc_fd, st.memfd_noexec = early->memfd_noexec;
	struct timespec entered;
	clock_gettime(CLOCK_REALTIME, &entered);
	clock_gettime(CLOCK_MONOTONIC, &st.t);
	reset_signals();
	rf_restore_affinity();
	if (move_fds(a, &st.proc_fd) < 0) syscall(SYS_exit_group, 125);
	st.sock = a->sock;
	prctl(PR_SET_NAME, "ringfence-init", 0, 0, 0);
	set_cmdline("ringfence-init");
	setsid();
	if (early && early->entered) {
		// A preforked init took the default identity and namespaces while
		// the Go runtime started; the supervisor checked that the plan
		// asks for exactly those.
		if (early->err) fail(&st, RF_STAGE_SETUP, -1, early->what, early->err);
		if (a->memfd_noexec && !st.memfd_noexec) fail_at(&st, RF_STAGE_SETUP, -1, "write", RF_MEMFD_NOEXEC, EPERM);
	} else {
		if (a->two_step) as_global_root(&st);
		enter_namespaces(&st);
	}
	if (a->sync_r >= 0) {
		// The supervisor puts us in the sandbox's cgroup (and raises
		// RLIMIT_MEMLOCK) before we fork anything.
		char go = 0;
		ssize_t n;
		while ((n = read(a->sync_r, &go, 1)) < 0 && errno == EINTR) {
		}
		if (n != 1 || go != 'G') syscall(SYS_exit_group, 125); // the supervisor gave up
		close(a->sync_r);
	}
	new_time_namespace(&st);
	// Not dumpable: CMD (uid 0 inside too) must not open /proc/1/mem or
	// ptrace the init, which holds every capability of the namespace and
	// the supervisor's socket. Only now: /proc/self is written above.
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	take_ids(&st);
	die_with_supervisor(&st);
	stage_done(&st, RF_STAGE_SETUP);

	// The containment steps, in order; each ends the init on failure.
	static const struct {
		void (*run)(struct init *);
		int stage;
	} stages[] = {
		{stage_mounts, RF_STAGE_MOUNTS},     {stage_hostname, RF_STAGE_HOSTNAME}, {stage_network, RF_STAGE_NETWORK},
		{stage_landlock, RF_STAGE_LANDLOCK}, {stage_resolve, RF_STAGE_RESOLVE},   {stage_tty, RF_STAGE_TTY},
		{stage_gate, RF_STAGE_GATE},
	};
	for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
		stages[i].run(&st);
		stage_done(&st, stages[i].stage);
	}

	st.msg.type = RF_MSG_STARTED;
	st.msg.pid = st.cmd_pid;
	st.msg.entered_ns = ns_of(&entered);
	int fds[2], nfds = 0;
	if (st.listener >= 0) {
		fds[nfds++] = st.listener;
		st.msg.fds |= RF_FD_LISTENER;
	}
	if (st.pty >= 0) {
		fds[nfds++] = st.pty;
		st.msg.fds |= RF_FD_PTY;
	}
	send_msg(st.sock, &st.msg, fds, nfds);
	for (int i = 0; i < nfds; i++) close(fds[i]);
	reap(&st);
}

long rf_clone_init(uint64_t flags, int *pidfd) {
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	struct rf_clone_args ca;
	memset(&ca, 0, sizeof ca);
	ca.flags = flags | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)pidfd;
	ca.exit_signal = SIGCHLD;
	long pid = syscall(SYS_clone3, &ca, sizeof ca);
	if (pid == 0) return 0;
	int err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = err;
	return pid;
}

int rf_spawn(struct rf_init_args *a, uint64_t flags, int *pidfd, int *err) {
	int pfd = -1;
	long pid = rf_clone_init(flags, &pfd);
	if (pid == 0) rf_init_main(a, NULL);
	*err = pid < 0 ? errno : 0;
	// The init has all the work to do now and we have none: let it run
	// rather than wait behind us for this CPU.
	if (pid > 0) sched_yield();
	*pidfd = pfd;
	return (int)pid;
}
