/* acct: turn on process accounting into a missing file: ENOENT means it passed CAP_SYS_PACCT. */
#include "common.h"

int main(void)
{
	long r = syscall(SYS_acct, "/nonexistent-ringfence/acct");
	privileged("acct", r, errno);
}
