/* pivot_root HOSTMNTNS: swap the root file system for a fresh tmpfs, the way a
 * container runtime does, to get the old root mounted somewhere reachable.
 * HOSTMNTNS is the inode of the host's mount namespace: pivot_root is never
 * tried in it (that would pivot the whole host), only in a private one. */
#include "common.h"
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>

static int attempt(const char *dir, unsigned long hostns, char *why, size_t n)
{
	struct stat st;
	if (unshare(CLONE_NEWNS) == 0) {
		mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	} else {
		int e = errno;
		if (stat("/proc/self/ns/mnt", &st) < 0 || st.st_ino == hostns) {
			snprintf(why, n, "unshare(CLONE_NEWNS): %s, and pivot_root is not tried in the host mount namespace", en(e));
			return 1;
		}
	}
	if (mount("ringfence-escape", dir, "tmpfs", 0, "size=1m") < 0 &&
	    mount(dir, dir, NULL, MS_BIND, NULL) < 0) {
		/* Go on: pivot_root's own permission check comes before its
		 * mount-point checks, so its errno still tells. */
	}
	char old[4200];
	snprintf(old, sizeof old, "%s/old", dir);
	mkdir(old, 0700);
	if (syscall(SYS_pivot_root, dir, old) < 0) {
		int e = errno;
		snprintf(why, n, "pivot_root: %s", en(e));
		return e == EPERM || e == EACCES || e == ENOSYS ? 1 : 2;
	}
	snprintf(why, n, "pivot_root into a new tmpfs root, old root at /old");
	return 0;
}

int main(int argc, char **argv)
{
	need(argc, 1, "pivot_root HOSTMNTNS");
	char dir[] = "/tmp/ringfence-pivot.XXXXXX";
	if (!mkdtemp(dir))
		contained("mkdtemp: %s", en(errno));
	int pfd[2];
	if (pipe(pfd) < 0)
		contained("pipe: %s", en(errno));
	pid_t pid = fork();
	if (pid < 0)
		contained("fork: %s", en(errno));
	if (pid == 0) {
		char why[300];
		int r = attempt(dir, strtoul(argv[1], NULL, 10), why, sizeof why);
		write(pfd[1], why, strlen(why));
		_exit(r);
	}
	close(pfd[1]);
	char why[300] = "";
	ssize_t n = read(pfd[0], why, sizeof why - 1);
	if (n > 0)
		why[n] = 0;
	int status;
	waitpid(pid, &status, 0);
	char old[64];
	snprintf(old, sizeof old, "%s/old", dir);
	rmdir(old);
	rmdir(dir);
	if (!WIFEXITED(status))
		contained("pivot_root child killed by signal %d", WTERMSIG(status));
	if (WEXITSTATUS(status) == 0)
		escaped("%s", why);
	if (WEXITSTATUS(status) == 2)
		escaped("%s (past the privilege check)", why);
	contained("%s", why);
}
