/* connect_tcp PORT MARKER: connect to a host service on 127.0.0.1:PORT. */
#include "common.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	need(argc, 2, "connect_tcp PORT MARKER");
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		contained("socket: %s", en(errno));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[1])) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0)
		contained("connect 127.0.0.1:%s: %s", argv[1], en(errno));
	write(s, argv[2], strlen(argv[2]));
	escaped("connected to host 127.0.0.1:%s", argv[1]);
}
