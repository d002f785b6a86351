/* raw_socket: open a packet socket, or failing that a raw IP socket. */
#include "common.h"
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <sys/socket.h>

int main(void)
{
	int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (s >= 0)
		escaped("socket(AF_PACKET, SOCK_RAW) = %d", s);
	int e = errno;
	s = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	if (s >= 0)
		escaped("socket(AF_INET, SOCK_RAW) = %d", s);
	contained("AF_PACKET: %s, AF_INET SOCK_RAW: %s", en(e), en(errno));
}
