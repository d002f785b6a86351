/*
 * common.h: the verdict protocol shared by every attack program.
 *
 * An attack prints exactly one line and exits:
 *   ESCAPED <detail>     exit 0: the escape worked
 *   CONTAINED <detail>   exit 1: something stopped it (the detail names the errno)
 * Being killed by a signal is also containment; the harness sees the signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

__attribute__((unused)) static void verdict(const char *word, int code, const char *fmt, va_list ap)
{
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	printf("%s %s\n", word, buf);
	fflush(stdout);
	_exit(code);
}

__attribute__((noreturn, format(printf, 1, 2))) static void escaped(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict("ESCAPED", 0, fmt, ap);
	va_end(ap);
	_exit(0);
}

__attribute__((noreturn, format(printf, 1, 2))) static void contained(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	verdict("CONTAINED", 1, fmt, ap);
	va_end(ap);
	_exit(1);
}

/*
 * started tells the harness, on stderr, that the attack really runs: a
 * sandbox that kills every program at execve would otherwise look like
 * containment.
 */
__attribute__((constructor)) static void started(void)
{
	static const char msg[] = "ATTACK-STARTED\n";
	write(2, msg, sizeof msg - 1);
}

/* en names an errno the way the report wants it: "EPERM". */
__attribute__((unused)) static const char *en(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "E?";
}

/* need checks the argument count and explains the usage. */
__attribute__((unused)) static void need(int argc, int n, const char *usage)
{
	if (argc < n + 1) {
		fprintf(stderr, "usage: %s\n", usage);
		exit(2);
	}
}

/*
 * privileged reports the outcome of a probe whose success (or any failure
 * other than a permission error) proves the call got past the privilege
 * checks. ENOSYS means the syscall is not there (kernel feature or a
 * seccomp ENOSYS), which is containment.
 */
__attribute__((unused)) static void privileged(const char *what, long r, int e)
{
	if (r >= 0)
		escaped("%s succeeded", what);
	if (e == EPERM || e == EACCES || e == ENOSYS)
		contained("%s: %s", what, en(e));
	escaped("%s passed the privilege check (then failed with %s)", what, en(e));
}

/* read_secret reads up to n-1 bytes from path into buf; returns -errno on failure. */
__attribute__((unused)) static int read_secret(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t r = read(fd, buf, n - 1);
	int e = errno;
	close(fd);
	if (r < 0)
		return -e;
	buf[r] = 0;
	return (int)r;
}

/* hostuid maps a uid of our user namespace to the host's (-1: unmapped). */
__attribute__((unused)) static long hostuid(long uid)
{
	FILE *f = fopen("/proc/self/uid_map", "r");
	long in, out, n, host = -1;
	while (f && fscanf(f, "%ld %ld %ld", &in, &out, &n) == 3)
		if (uid >= in && uid < in + n)
			host = out + (uid - in);
	if (f)
		fclose(f);
	return host;
}

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

/* attach_child forks a child that waits, PTRACE_ATTACHes to it, kills it,
 * and returns 0 on success or the errno of the attach. */
__attribute__((unused)) static int attach_child(void)
{
	pid_t kid = fork();
	if (kid == 0) {
		pause();
		_exit(0);
	}
	long r = ptrace(PTRACE_ATTACH, kid, 0, 0);
	int e = errno;
	kill(kid, SIGKILL);
	waitpid(kid, NULL, 0);
	return r == 0 ? 0 : e;
}
