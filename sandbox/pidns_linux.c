//go:build cgo

// Writing a per-pid-namespace sysctl of the sandbox (vm.memfd_noexec) from
// the supervisor. The kernel lets only global root write it, and applies the
// write to the writer's own pid namespace: so a thread of the supervisor
// (host root) joins the sandbox's pid namespace for its children, forks one
// child there that writes the file and exits, and then the thread ends, so
// no Go thread is left with another pid namespace for its children.

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidns_linux.h"

struct pidns_job {
	int pid;
	const char *path;
	const char *value;
	int err;
	char op[32];
};

static void set_op(struct pidns_job *j, const char *op, int err) {
	size_t i = 0;
	for (; i + 1 < sizeof j->op && op[i]; i++) j->op[i] = op[i];
	j->op[i] = 0;
	j->err = err;
}

static void *pidns_thread(void *arg) {
	struct pidns_job *j = arg;
	char ns[64];
	int n = 0;
	const char *prefix = "/proc/";
	for (; prefix[n]; n++) ns[n] = prefix[n];
	// pid to decimal
	char digits[16];
	int d = 0, pid = j->pid;
	do {
		digits[d++] = '0' + pid % 10;
		pid /= 10;
	} while (pid > 0 && d < 15);
	while (d > 0) ns[n++] = digits[--d];
	const char *suffix = "/ns/pid";
	for (int i = 0; suffix[i]; i++) ns[n++] = suffix[i];
	ns[n] = 0;

	int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		set_op(j, "open pid namespace", errno);
		return NULL;
	}
	if (setns(nsfd, CLONE_NEWPID) < 0) {
		set_op(j, "setns", errno);
		close(nsfd);
		return NULL;
	}
	close(nsfd);
	size_t len = strlen(j->value);
	// A plain fork of this thread: the child runs only raw calls and exits.
	long child = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (child == 0) {
		int fd = open(j->path, O_WRONLY | O_CLOEXEC);
		if (fd < 0) syscall(SYS_exit_group, 100 + (errno & 0x7f));
		if (write(fd, j->value, len) != (ssize_t)len) syscall(SYS_exit_group, 50 + (errno & 0x3f));
		syscall(SYS_exit_group, 0);
	}
	if (child < 0) {
		set_op(j, "clone", errno);
		return NULL;
	}
	int status = 0;
	while (waitpid((pid_t)child, &status, 0) < 0 && errno == EINTR) {
	}
	if (!WIFEXITED(status)) {
		set_op(j, "helper killed", EINTR);
	} else if (WEXITSTATUS(status) >= 100) {
		set_op(j, "open", WEXITSTATUS(status) - 100);
	} else if (WEXITSTATUS(status) >= 50) {
		set_op(j, "write", WEXITSTATUS(status) - 50);
	}
	return NULL;
}

int pidns_write(int pid, const char *path, const char *value, char *op, int oplen) {
	struct pidns_job j = {.pid = pid, .path = path, .value = value, .err = 0};
	j.op[0] = 0;
	pthread_t t;
	int e = pthread_create(&t, NULL, pidns_thread, &j);
	if (e != 0) {
		set_op(&j, "pthread_create", e);
	} else {
		pthread_join(t, NULL);
	}
	for (int i = 0; i < oplen; i++) {
		op[i] = j.op[i];
		if (!j.op[i]) break;
	}
	return j.err;
}
