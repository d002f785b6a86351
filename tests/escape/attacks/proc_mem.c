/* proc_mem HOSTPID: read a host process's memory through /proc/PID/mem. */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "proc_mem HOSTPID");
	char path[64], line[512];
	unsigned long start = 0;
	snprintf(path, sizeof path, "/proc/%s/maps", argv[1]);
	FILE *f = fopen(path, "r");
	if (!f)
		contained("open %s: %s", path, en(errno));
	while (fgets(line, sizeof line, f))
		if (strstr(line, "[stack]"))
			sscanf(line, "%lx", &start);
	fclose(f);
	snprintf(path, sizeof path, "/proc/%s/mem", argv[1]);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		contained("open %s: %s", path, en(errno));
	char buf[64];
	ssize_t n = pread(fd, buf, sizeof buf, (off_t)start);
	if (n < 0)
		contained("pread %s at %lx: %s", path, start, en(errno));
	escaped("read %zd bytes of host pid %s's stack through %s", n, argv[1], path);
}
