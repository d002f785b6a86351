/* fork_bomb N: fork N sleeping children (bounded so the run outside the
 * sandbox does no harm); all are killed before the verdict. */
#include "common.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	need(argc, 1, "fork_bomb N");
	int n = atoi(argv[1]);
	pid_t *kids = calloc(n, sizeof *kids);
	int made = 0, e = 0;
	pid_t parent = getpid();
	for (; made < n; made++) {
		pid_t pid = fork();
		if (pid < 0) {
			e = errno;
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			pause();
			_exit(0);
		}
		kids[made] = pid;
	}
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < made; i++)
		waitpid(kids[i], NULL, 0);
	if (made == n)
		escaped("forked all %d processes", n);
	contained("fork failed after %d processes: %s", made, en(e));
}
