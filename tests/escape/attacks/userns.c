/* userns: create a new user namespace (where we would hold every capability). */
#include "common.h"
#include <sched.h>

int main(void)
{
	if (unshare(CLONE_NEWUSER) < 0)
		contained("unshare(CLONE_NEWUSER): %s", en(errno));
	escaped("new user namespace created");
}
