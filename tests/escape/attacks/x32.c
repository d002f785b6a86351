/* x32: make an x32 system call (getpid | __X32_SYSCALL_BIT). */
#include "common.h"

int main(void)
{
	long r = syscall(39 | 0x40000000L);
	if (r == getpid())
		escaped("x32 getpid returned %ld", r);
	if (r < 0)
		contained("x32 getpid: %s", en(errno));
	contained("x32 getpid returned %ld, not our pid", r);
}
