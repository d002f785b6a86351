/* setns HOSTPID: join a host process's namespaces through /proc/HOSTPID/ns/X,
 * or any namespace of /proc/1 that is not already ours. */
#include "common.h"
#include <sched.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	need(argc, 1, "setns HOSTPID");
	const char *kinds[] = { "mnt", "net", "uts", "ipc", "pid", "cgroup", "user" };
	const char *owners[] = { argv[1], "1" };
	char what[1024] = "";
	for (int o = 0; o < 2; o++)
		for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
			char path[64], self[64];
			snprintf(path, sizeof path, "/proc/%s/ns/%s", owners[o], kinds[k]);
			snprintf(self, sizeof self, "/proc/self/ns/%s", kinds[k]);
			struct stat theirs, ours;
			int fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0) {
				snprintf(what + strlen(what), sizeof what - strlen(what), "open %s: %s; ", path, en(errno));
				continue;
			}
			fstat(fd, &theirs);
			stat(self, &ours);
			int same = theirs.st_ino == ours.st_ino;
			errno = 0;
			if (setns(fd, 0) == 0 && (o == 0 || !same))
				escaped("setns into %s", path);
			snprintf(what + strlen(what), sizeof what - strlen(what), "setns %s: %s; ", path,
				 errno ? en(errno) : "own namespace");
			close(fd);
		}
	contained("%s", what);
}
