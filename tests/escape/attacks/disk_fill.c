/* disk_fill DIR MIB: write MIB mebibytes into DIR/ringfence-fill (removed after). */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 2, "disk_fill DIR MIB");
	char path[4096];
	snprintf(path, sizeof path, "%s/ringfence-fill.%d", argv[1], getpid());
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		contained("create %s: %s", path, en(errno));
	static char buf[1 << 20];
	memset(buf, 0x5a, sizeof buf);
	long mib = atol(argv[2]);
	for (long i = 0; i < mib; i++) {
		ssize_t n = write(fd, buf, sizeof buf);
		if (n != (ssize_t)sizeof buf) {
			int e = n < 0 ? errno : ENOSPC;
			unlink(path);
			contained("write after %ld MiB: %s", i, en(e));
		}
	}
	int r = fsync(fd);
	unlink(path);
	if (r < 0)
		contained("fsync: %s", en(errno));
	escaped("wrote %ld MiB into %s", mib, argv[1]);
}
