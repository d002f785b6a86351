/* fd_leak MARKER: look through inherited file descriptors 3..1024 for one
 * the supervisor leaked that holds a host secret. */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "fd_leak MARKER");
	char open_fds[256] = "";
	for (int fd = 3; fd <= 1024; fd++) {
		if (fcntl(fd, F_GETFD) < 0)
			continue;
		char link[80], target[256] = "";
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		readlink(link, target, sizeof target - 1);
		snprintf(open_fds + strlen(open_fds), sizeof open_fds - strlen(open_fds), "%d ", fd);
		char buf[4096];
		ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = 0;
		if (strstr(buf, argv[1]))
			escaped("inherited fd %d (%s) holds the host secret", fd, target);
	}
	contained("no inherited fd holds the secret (open fds above 2: %s)", *open_fds ? open_fds : "none");
}
