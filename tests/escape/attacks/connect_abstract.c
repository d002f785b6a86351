/* connect_abstract NAME MARKER: connect to a host abstract unix socket @NAME. */
#include "common.h"
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	need(argc, 2, "connect_abstract NAME MARKER");
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		contained("socket: %s", en(errno));
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(argv[1]);
	memcpy(sa.sun_path + 1, argv[1], n);
	if (connect(s, (struct sockaddr *)&sa, offsetof(struct sockaddr_un, sun_path) + 1 + n) < 0)
		contained("connect @%s: %s", argv[1], en(errno));
	write(s, argv[2], strlen(argv[2]));
	escaped("connected to host abstract socket @%s", argv[1]);
}
