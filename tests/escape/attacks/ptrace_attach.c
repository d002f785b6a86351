/* ptrace_attach HOSTPID: PTRACE_ATTACH to a host process, then read its memory. */
#include "common.h"
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	need(argc, 1, "ptrace_attach HOSTPID");
	pid_t pid = atoi(argv[1]);
	if (ptrace(PTRACE_ATTACH, pid, 0, 0) < 0)
		contained("PTRACE_ATTACH %d: %s", pid, en(errno));
	waitpid(pid, NULL, __WALL);
	errno = 0;
	long word = ptrace(PTRACE_PEEKUSER, pid, 0, 0);
	int e = errno;
	ptrace(PTRACE_DETACH, pid, 0, 0);
	escaped("attached to host pid %d (PEEKUSER word %lx, %s)", pid, word, e ? en(e) : "ok");
}
