/* init_fds PID: open the file descriptors and memory of PID through
 * /proc/PID (inside the sandbox the harness passes 1, the sandbox's init,
 * which holds the socket to the supervisor and every capability of the
 * user namespace; outside, a host process). */
#include "common.h"
#include <dirent.h>

int main(int argc, char **argv)
{
	need(argc, 1, "init_fds PID");
	char what[512] = "", dir[64], mem[64];
	snprintf(dir, sizeof dir, "/proc/%s/fd", argv[1]);
	snprintf(mem, sizeof mem, "/proc/%s/mem", argv[1]);
	DIR *d = opendir(dir);
	if (!d) {
		snprintf(what, sizeof what, "opendir %s: %s; ", dir, en(errno));
	} else {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			char path[300], target[256] = "";
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			readlink(path, target, sizeof target - 1);
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd >= 0)
				escaped("opened %s (%s)", path, target);
			snprintf(what + strlen(what), sizeof what - strlen(what), "fd %s: %s; ", de->d_name, en(errno));
		}
		closedir(d);
	}
	int fd = open(mem, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		escaped("opened %s", mem);
	contained("%s%s: %s", what, mem, en(errno));
}
