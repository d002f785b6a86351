/* process_vm_readv HOSTPID: read a host process's stack through process_vm_readv. */
#include "common.h"
#include <sys/uio.h>

int main(int argc, char **argv)
{
	need(argc, 1, "process_vm_readv HOSTPID");
	pid_t pid = atoi(argv[1]);
	/* Find a readable address of the target: its stack, from /proc/PID/stat
	 * if visible, else guess our own layout's stack region. */
	char path[64], line[4096];
	unsigned long start = 0;
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (f) {
		while (fgets(line, sizeof line, f))
			if (strstr(line, "[stack]")) {
				sscanf(line, "%lx", &start);
				break;
			}
		fclose(f);
	}
	if (!start)
		start = (unsigned long)&path & ~0xfffUL; /* a plausible stack page */
	char buf[64];
	struct iovec local = { buf, sizeof buf }, remote = { (void *)start, sizeof buf };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (n < 0) {
		if (errno == EFAULT)
			escaped("process_vm_readv of host pid %d reached its memory (EFAULT at %lx)", pid, start);
		contained("process_vm_readv %d: %s", pid, en(errno));
	}
	escaped("read %zd bytes of host pid %d at %lx", n, pid, start);
}
