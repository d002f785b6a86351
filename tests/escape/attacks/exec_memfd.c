/* exec_memfd: load a program into a memfd (a copy of /bin/true) and execute
 * it with fexecve: code that never touches the file system. */
#include "common.h"
#include <sys/mman.h>
#include <sys/wait.h>

int main(void)
{
	int mfd = memfd_create("ringfence-exec", 0);
	if (mfd < 0)
		contained("memfd_create: %s", en(errno));
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC);
	if (in < 0)
		contained("open /bin/true: %s", en(errno));
	char buf[1 << 16];
	ssize_t n;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(mfd, buf, n) != n)
			contained("write memfd: %s", en(errno));
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { "true", NULL }, *envp[] = { NULL };
		fexecve(mfd, argv, envp);
		_exit(100 + (errno < 100 ? errno : 99));
	}
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		escaped("executed a program from a memfd");
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 100)
		contained("fexecve: %s", en(WEXITSTATUS(status) - 100));
	contained("the memfd program did not run (status %#x)", status);
}
