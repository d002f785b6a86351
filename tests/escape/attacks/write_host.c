/* write_host DIR: create a file in a host directory (visible read-only in the sandbox). */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "write_host DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/escape-written", argv[1]);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		contained("create %s: %s", path, en(errno));
	if (write(fd, "escaped\n", 8) != 8)
		contained("write %s: %s", path, en(errno));
	close(fd);
	escaped("created %s", path);
}
