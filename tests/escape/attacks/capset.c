/* capset: raise CAP_SYS_ADMIN into the effective set (from the permitted or,
 * failing that, by asking for it outright). */
#include "common.h"
#include <linux/capability.h>

int main(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) < 0)
		contained("capget: %s", en(errno));
	unsigned bit = 1u << CAP_SYS_ADMIN;
	d[0].effective |= bit;
	d[0].permitted |= bit;
	long r = syscall(SYS_capset, &h, d);
	int e = errno;
	syscall(SYS_capget, &h, d);
	if (d[0].effective & bit)
		escaped("CAP_SYS_ADMIN is effective");
	contained("capset: %s; CAP_SYS_ADMIN not effective", r < 0 ? en(e) : "no error");
}
