// install_time: how long the kernel takes to load a seccomp filter, for
// ringfence's compiler benchmark (bench/seccomp).
//
// usage: install_time FILTER.bpf N
// Forks N children; each sets no_new_privs, then times one
// seccomp(SECCOMP_SET_MODE_FILTER) call (the kernel checks the program and
// fills its action cache by running the filter once per syscall number of
// each arch) and reports the nanoseconds to the parent, which prints
// "install_ns MEDIAN". One filter per child: filters are irrevocable and
// stack.
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b) {
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: %s FILTER.bpf N\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static struct sock_filter insns[4096];
	size_t n = fread(insns, sizeof insns[0], 4096, f);
	fclose(f);
	struct sock_fprog prog = {.len = (unsigned short)n, .filter = insns};
	int iters = atoi(argv[2]);
	uint64_t *t = calloc(iters, sizeof *t);
	for (int i = 0; i < iters; i++) {
		int p[2];
		if (pipe(p) != 0)
			return 1;
		pid_t pid = fork();
		if (pid == 0) {
			struct timespec a, b;
			prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
			clock_gettime(CLOCK_MONOTONIC, &a);
			long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
			clock_gettime(CLOCK_MONOTONIC, &b);
			uint64_t ns = rc == 0 ? (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000ull + (b.tv_nsec - a.tv_nsec) : 0;
			// write is allowed by every filter this tool measures; if not,
			// the parent reads nothing and reports the failure.
			if (write(p[1], &ns, sizeof ns) != sizeof ns)
				_exit(1);
			_exit(0);
		}
		close(p[1]);
		uint64_t ns = 0;
		if (read(p[0], &ns, sizeof ns) != sizeof ns || ns == 0) {
			fprintf(stderr, "child %d could not install the filter or report\n", i);
			return 1;
		}
		close(p[0]);
		waitpid(pid, NULL, 0);
		t[i] = ns;
	}
	qsort(t, iters, sizeof *t, cmp_u64);
	printf("install_ns %llu\n", (unsigned long long)t[iters / 2]);
	return 0;
}
