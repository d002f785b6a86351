/* setuid_binary HELPER: drop to an unprivileged uid if we can, then execute a
 * setuid-root binary and see whether it runs as host root. */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "setuid_binary HELPER");
	if (setresgid(65534, 65534, 65534) == 0)
		setresuid(65534, 65534, 65534);
	long before = hostuid(geteuid());
	int p[2];
	if (pipe(p) < 0)
		contained("pipe: %s", en(errno));
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		execl(argv[1], argv[1], (char *)NULL);
		dprintf(1, "EXEC %s\n", en(errno));
		_exit(127);
	}
	close(p[1]);
	char out[128] = "";
	ssize_t n = read(p[0], out, sizeof out - 1);
	if (n > 0)
		out[n] = 0;
	waitpid(pid, NULL, 0);
	long euid = -1, host = -1;
	if (sscanf(out, "EUID %ld HOST %ld", &euid, &host) != 2)
		contained("setuid helper did not run: %s", strtok(out, "\n") ? out : "no output");
	if (host == 0 && before != 0)
		escaped("setuid helper ran as host root (euid %ld) from host uid %ld", euid, before);
	contained("setuid helper euid %ld = host uid %ld, as before (host uid %ld)", euid, host, before);
}
