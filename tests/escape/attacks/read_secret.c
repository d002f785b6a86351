/* read_secret PATH MARKER: read a host secret file (under /root or a home directory). */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 2, "read_secret PATH MARKER");
	char buf[4096];
	int r = read_secret(argv[1], buf, sizeof buf);
	if (r < 0)
		contained("open %s: %s", argv[1], en(-r));
	if (!strstr(buf, argv[2]))
		contained("%s readable but not the host secret", argv[1]);
	escaped("read the host secret %s", argv[1]);
}
