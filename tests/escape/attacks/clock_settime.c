/* clock_settime: set the (not namespaced) system clock to the time just read. */
#include "common.h"
#include <time.h>

int main(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	if (clock_settime(CLOCK_REALTIME, &now) < 0)
		contained("clock_settime: %s", en(errno));
	escaped("clock_settime(CLOCK_REALTIME) succeeded");
}
