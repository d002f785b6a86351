/* signal_supervisor SUPERVISORPID: signal the process that started the sandbox
 * (signal 0, then SIGCONT, which is harmless to a running process). */
#include "common.h"
#include <signal.h>

int main(int argc, char **argv)
{
	need(argc, 1, "signal_supervisor SUPERVISORPID");
	pid_t pid = atoi(argv[1]);
	if (pid == getpid())
		contained("pid %d is ourselves in this pid namespace", pid);
	if (kill(pid, 0) < 0)
		contained("kill(%d, 0): %s", pid, en(errno));
	if (kill(pid, SIGCONT) < 0)
		contained("kill(%d, SIGCONT): %s", pid, en(errno));
	/* If this pid is visible, make sure it is the supervisor and not a process
	 * of our own pid namespace that happens to have the same number. */
	char path[64], comm[64] = "";
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	read_secret(path, comm, sizeof comm);
	escaped("signalled supervisor pid %d (%s)", pid, strtok(comm, "\n") ? comm : "?");
}
