/* io_uring: set up an io_uring (a second syscall path that seccomp does not see). */
#include "common.h"
#include <linux/io_uring.h>

int main(void)
{
	struct io_uring_params p;
	memset(&p, 0, sizeof p);
	long fd = syscall(SYS_io_uring_setup, 4, &p);
	if (fd < 0)
		contained("io_uring_setup: %s", en(errno));
	escaped("io_uring_setup returned fd %ld", fd);
}
