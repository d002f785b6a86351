/* mount_tmpfs DIR: mount a tmpfs over a host directory (unmounted again at once). */
#include "common.h"
#include <sys/mount.h>

int main(int argc, char **argv)
{
	need(argc, 1, "mount_tmpfs DIR");
	if (mount("ringfence-escape", argv[1], "tmpfs", 0, "size=1m") < 0)
		contained("mount tmpfs on %s: %s", argv[1], en(errno));
	umount2(argv[1], MNT_DETACH);
	escaped("mounted a tmpfs on %s", argv[1]);
}
