/* exec_written DIR: write a program into a writable place (DIR/ringfence-exec.PID,
 * a copy of /bin/true) and execute it: downloaded or generated code running. */
#include "common.h"
#include <sys/stat.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	need(argc, 1, "exec_written DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/ringfence-exec.%d", argv[1], getpid());
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
	int out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (in < 0 || out < 0)
		contained("copy /bin/true to %s: %s", path, en(errno));
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			contained("write %s: %s", path, en(errno));
	close(in);
	close(out);
	pid_t pid = fork();
	if (pid == 0) {
		execl(path, path, (char *)NULL);
		_exit(100 + (errno < 100 ? errno : 99));
	}
	int status;
	waitpid(pid, &status, 0);
	unlink(path);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		escaped("executed %s, written by us", path);
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
		contained("execve %s: %s", path, en(WEXITSTATUS(status) - 100));
	contained("%s did not run (status %#x)", path, status);
}
