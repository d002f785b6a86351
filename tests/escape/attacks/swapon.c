/* swapon: swapon a missing file: ENOENT means it passed CAP_SYS_ADMIN. */
#include "common.h"

int main(void)
{
	long r = syscall(SYS_swapon, "/nonexistent-ringfence-swap", 0);
	privileged("swapon", r, errno);
}
