/* syslog: read the kernel log buffer with syslog(2) (addresses, other
 * tenants' messages). */
#include "common.h"
#include <sys/klog.h>

int main(void)
{
	static char buf[1 << 16];
	int n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, sizeof buf);
	if (n < 0)
		contained("syslog(READ_ALL): %s", en(errno));
	escaped("read %d bytes of the kernel log", n);
}
