/* ptrace_seize HOSTPID: PTRACE_SEIZE a host process and interrupt it. */
#include "common.h"
#include <sys/ptrace.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	need(argc, 1, "ptrace_seize HOSTPID");
	pid_t pid = atoi(argv[1]);
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0)
		contained("PTRACE_SEIZE %d: %s", pid, en(errno));
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0)
		waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, 0, 0);
	escaped("seized host pid %d", pid);
}
