/* suidhelper: installed setuid root by the harness; prints its euid and the
 * host uid that euid maps to (from /proc/self/uid_map). Not an attack itself. */
#include "common.h"

int main(void)
{
	long e = geteuid();
	printf("EUID %ld HOST %ld\n", e, hostuid(e));
	return 0;
}
