/* proc_self_exe REOPEN: CVE-2019-5736 style. Keep O_PATH handles on the
 * binaries behind /proc/self/exe, /proc/1/exe (the sandbox's init) and
 * /proc/PPID/exe (the runner), exec away from our own binary, and let the
 * REOPEN helper try to reopen each handle for writing through
 * /proc/self/fd/N: success means the binary on the host could be
 * overwritten. Nothing is written. */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "proc_self_exe REOPEN");
	char ppid[64], *args[8] = { argv[1] };
	int nargs = 1;
	snprintf(ppid, sizeof ppid, "/proc/%d/exe", getppid());
	const char *targets[] = { "/proc/self/exe", "/proc/1/exe", ppid };
	static char fds[3][32];
	for (int i = 0; i < 3; i++) {
		int fd = open(targets[i], O_PATH); /* no O_CLOEXEC: it crosses the exec */
		if (fd < 0)
			continue;
		snprintf(fds[i], sizeof fds[i], "%d=%s", fd, targets[i]);
		args[nargs++] = fds[i];
	}
	args[nargs] = NULL;
	execv(argv[1], args);
	contained("exec %s: %s", argv[1], en(errno));
}
