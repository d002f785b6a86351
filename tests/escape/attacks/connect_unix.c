/* connect_unix PATH MARKER: connect to a host service's unix socket at a
 * path the sandbox can see (mode 0666, like the D-Bus system socket). */
#include "common.h"
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	need(argc, 2, "connect_unix PATH MARKER");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		contained("socket: %s", en(errno));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		contained("connect %s: %s", argv[1], en(errno));
	write(s, argv[2], strlen(argv[2]));
	escaped("connected to host socket %s", argv[1]);
}
