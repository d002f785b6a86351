/* finit_module: load a kernel module from an (empty) file: anything but a
 * permission error means the call got past CAP_SYS_MODULE. */
#include "common.h"
#include <sys/mman.h>

int main(void)
{
	int fd = memfd_create("ringfence-module", MFD_CLOEXEC);
	if (fd < 0)
		contained("memfd_create: %s", en(errno));
	long r = syscall(SYS_finit_module, fd, "", 0);
	privileged("finit_module", r, errno);
}
