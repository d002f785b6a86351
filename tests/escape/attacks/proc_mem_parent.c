/* proc_mem_parent: a child reads its parent's memory through
 * /proc/PPID/mem: inside the sandbox, another process of the same uid
 * reading CMD (which the runner made not dumpable). */
#include "common.h"
#include <sys/wait.h>

int main(void)
{
	static char secret[] = "the parent's secret";
	pid_t parent = getpid();
	int p[2];
	if (pipe(p) < 0)
		contained("pipe: %s", en(errno));
	pid_t c = fork();
	if (c < 0)
		contained("fork: %s", en(errno));
	if (c == 0) {
		char path[64], buf[sizeof secret];
		snprintf(path, sizeof path, "/proc/%d/mem", (int)parent);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		int e = fd < 0 ? errno : 0;
		if (fd >= 0 && pread(fd, buf, sizeof buf, (off_t)(unsigned long)secret) != (ssize_t)sizeof buf)
			e = errno ? errno : EIO;
		if (!e && memcmp(buf, secret, sizeof buf) != 0)
			e = EIO;
		write(p[1], &e, sizeof e);
		_exit(0);
	}
	int e = -1;
	read(p[0], &e, sizeof e);
	waitpid(c, NULL, 0);
	if (e == 0)
		escaped("our child read our memory through /proc/%d/mem", (int)parent);
	contained("our child opening /proc/%d/mem: %s", (int)parent, en(e));
}
