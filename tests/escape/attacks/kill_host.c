/* kill_host HOSTPID: SIGKILL a host process (first probing it with signal 0). */
#include "common.h"
#include <signal.h>

int main(int argc, char **argv)
{
	need(argc, 1, "kill_host HOSTPID");
	pid_t pid = atoi(argv[1]);
	if (kill(pid, 0) < 0)
		contained("kill(%d, 0): %s", pid, en(errno));
	/* The pid exists in our view. In a pid namespace it could be one of our own
	 * processes with the same number: only a host process counts. */
	char path[64], comm[64] = "";
	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	read_secret(path, comm, sizeof comm);
	if (kill(pid, SIGKILL) < 0)
		contained("kill(%d, SIGKILL): %s", pid, en(errno));
	escaped("SIGKILLed pid %d (%s)", pid, strtok(comm, "\n") ? comm : "?");
}
