/* mknod DIR: make a character device node (1,3 = /dev/null's numbers) and open it. */
#include "common.h"
#include <sys/stat.h>
#include <sys/sysmacros.h>

int main(int argc, char **argv)
{
	need(argc, 1, "mknod DIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/ringfence-dev.%d", argv[1], getpid());
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) < 0)
		contained("mknod %s: %s", path, en(errno));
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int e = errno;
	unlink(path);
	if (fd < 0)
		contained("made %s but open: %s", path, en(e));
	escaped("made and opened device node %s", path);
}
