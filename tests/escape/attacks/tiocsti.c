/* tiocsti MARKER: push MARKER into the input queue of the terminal on fd 0
 * (or /dev/tty), so the host shell would run it after we exit. */
#include "common.h"
#include <sys/ioctl.h>
#include <termios.h>

static int inject(int fd, const char *s)
{
	for (; *s; s++)
		if (ioctl(fd, TIOCSTI, s) < 0)
			return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	need(argc, 1, "tiocsti MARKER");
	char what[256] = "";
	for (int fd = 0; fd < 3; fd++) {
		if (!isatty(fd))
			continue;
		int r = inject(fd, argv[1]);
		if (r == 0)
			escaped("TIOCSTI injected \"%s\" into fd %d", argv[1], fd);
		snprintf(what + strlen(what), sizeof what - strlen(what), "fd %d: %s; ", fd, en(-r));
	}
	/* Not allowed on a terminal that is not our controlling one (without
	 * CAP_SYS_ADMIN): make fd 0 our controlling terminal, as it is for a
	 * program run from an interactive shell, and try again. */
	if (isatty(0) && (setsid() >= 0 || errno == EPERM) && ioctl(0, TIOCSCTTY, 0) == 0) {
		int r = inject(0, argv[1]);
		if (r == 0)
			escaped("TIOCSTI injected \"%s\" into fd 0 as our controlling terminal", argv[1]);
		snprintf(what + strlen(what), sizeof what - strlen(what), "fd 0 as controlling tty: %s; ", en(-r));
	}
	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
	if (tty >= 0) {
		int r = inject(tty, argv[1]);
		if (r == 0)
			escaped("TIOCSTI injected \"%s\" into /dev/tty", argv[1]);
		snprintf(what + strlen(what), sizeof what - strlen(what), "/dev/tty: %s", en(-r));
	} else {
		snprintf(what + strlen(what), sizeof what - strlen(what), "open /dev/tty: %s", en(errno));
	}
	contained("%s", what);
}
