/* write_file PATH: write a global kernel setting (/proc/sys, /sys). The value
 * written is the one read, so the run outside the sandbox changes nothing. */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "write_file PATH");
	char val[4096];
	int r = read_secret(argv[1], val, sizeof val);
	if (r < 0)
		contained("read %s: %s", argv[1], en(-r));
	int fd = open(argv[1], O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		contained("open %s for writing: %s", argv[1], en(errno));
	if (write(fd, val, r) < 0)
		contained("write %s: %s", argv[1], en(errno));
	escaped("wrote %s", argv[1]);
}
