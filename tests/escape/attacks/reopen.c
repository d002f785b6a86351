/* reopen FD=NAME...: second stage of proc_self_exe: reopen inherited O_PATH
 * descriptors for writing (O_WRONLY|O_APPEND, no bytes written). */
#include "common.h"

int main(int argc, char **argv)
{
	char what[512] = "";
	if (argc < 2)
		contained("no handle on any runner binary survived the exec");
	for (int i = 1; i < argc; i++) {
		int fd = atoi(argv[i]);
		const char *name = strchr(argv[i], '=') ? strchr(argv[i], '=') + 1 : argv[i];
		char path[64], target[256] = "";
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		readlink(path, target, sizeof target - 1);
		int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (w >= 0)
			escaped("reopened %s (%s) for writing after exec", name, target);
		snprintf(what + strlen(what), sizeof what - strlen(what), "%s: %s; ", name, en(errno));
	}
	contained("%s", what);
}
