/* memory_bomb MIB: allocate and touch MIB mebibytes. */
#include "common.h"
#include <sys/mman.h>

int main(int argc, char **argv)
{
	need(argc, 1, "memory_bomb MIB");
	long mib = atol(argv[1]);
	for (long i = 0; i < mib; i += 16) {
		char *p = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			contained("mmap after %ld MiB: %s", i, en(errno));
		memset(p, 0xa5, 16 << 20);
	}
	escaped("allocated and touched %ld MiB", mib);
}
