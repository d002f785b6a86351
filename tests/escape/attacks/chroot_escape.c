/* chroot_escape SECRET MARKER: the classic double-chroot breakout, then read a
 * host secret from the real root. */
#include "common.h"
#include <sys/stat.h>

int main(int argc, char **argv)
{
	need(argc, 2, "chroot_escape SECRET MARKER");
	char jail[] = "/tmp/ringfence-chroot.XXXXXX";
	if (!mkdtemp(jail))
		contained("mkdtemp: %s", en(errno));
	if (chroot(jail) < 0) {
		int e = errno;
		rmdir(jail);
		contained("chroot %s: %s", jail, en(e));
	}
	/* We are inside the jail with the cwd outside of it: climb out. */
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (chroot(".") < 0)
		contained("second chroot: %s", en(errno));
	rmdir(jail); /* resolved from the real root again */
	char buf[4096];
	int r = read_secret(argv[1], buf, sizeof buf);
	if (r < 0)
		contained("broke out of the chroot, but %s: %s", argv[1], en(-r));
	if (!strstr(buf, argv[2]))
		contained("broke out of the chroot, but %s is not the host secret", argv[1]);
	escaped("broke out of a chroot and read %s", argv[1]);
}
