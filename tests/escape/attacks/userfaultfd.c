/* userfaultfd: get a userfaultfd (the race-widening tool of many kernel exploits). */
#include "common.h"
#include <linux/userfaultfd.h>

int main(void)
{
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
		if (fd < 0)
			contained("userfaultfd: %s, with UFFD_USER_MODE_ONLY: %s", en(e), en(errno));
	}
	escaped("userfaultfd returned fd %ld", fd);
}
