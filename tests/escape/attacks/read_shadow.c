/* read_shadow: read /etc/shadow (root-only on the host). */
#include "common.h"

int main(void)
{
	char buf[4096];
	int r = read_secret("/etc/shadow", buf, sizeof buf);
	if (r < 0)
		contained("open /etc/shadow: %s", en(-r));
	if (!strstr(buf, "root:"))
		contained("/etc/shadow readable but holds no root entry (not the host file)");
	escaped("read %d bytes of /etc/shadow", r);
}
