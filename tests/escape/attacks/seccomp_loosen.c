/* seccomp_loosen: install an allow-everything seccomp filter on top of
 * whatever is there, then try ptrace (of our own child) again. */
#include "common.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>

int main(void)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, allow };
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	char filt[64] = "allow-all filter installed";
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		snprintf(filt, sizeof filt, "allow-all filter refused: %s", en(errno));
	int e = attach_child();
	if (e == 0)
		escaped("%s, then PTRACE_ATTACH worked", filt);
	contained("%s, PTRACE_ATTACH still: %s", filt, en(e));
}
