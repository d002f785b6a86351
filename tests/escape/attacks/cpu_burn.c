/* cpu_burn SECONDS: spin until SECONDS of CPU time are used. */
#include "common.h"
#include <time.h>

int main(int argc, char **argv)
{
	need(argc, 1, "cpu_burn SECONDS");
	double want = atof(argv[1]);
	struct timespec ts;
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 1000000; i++)
			x += i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec + ts.tv_nsec / 1e9 < want);
	escaped("burned %.1f s of CPU", ts.tv_sec + ts.tv_nsec / 1e9);
}
