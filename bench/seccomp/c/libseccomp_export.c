// libseccomp_export: compiles a policy with libseccomp and writes the BPF it
// generates, for ringfence's compiler benchmark (bench/seccomp).
//
// usage: libseccomp_export OPTIMIZE ITERATIONS < policy > filter.bpf
//   OPTIMIZE    0: libseccomp's default layout; 2: SCMP_FLTATR_CTL_OPTIMIZE=2
//               (binary tree)
//   ITERATIONS  compile this many times; stderr gets "compile_ns MEDIAN
//               cpu_ns MEDIAN" (wall and CPU time of the process)
//
// The policy is a line format the Go side writes from the seccomp IR:
//   default RET                       (SECCOMP_RET_* value, decimal)
//   arch NAME                         (x86_64, x86, x32; the first replaces native)
//   rule RET SYSCALL N [ARG OP A B]*N (OP: enum scmp_compare value)
// Compile time is measured from seccomp_init to the end of
// seccomp_export_bpf, the work a runtime does before loading a filter.
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXLINES 4096

static char *lines[MAXLINES];
static int nlines;

static uint64_t clock_ns(clockid_t id) {
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int build(int optimize, int out_fd) {
	uint32_t def = 0;
	for (int i = 0; i < nlines; i++)
		if (sscanf(lines[i], "default %u", &def) == 1)
			break;
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx) {
		fprintf(stderr, "seccomp_init failed\n");
		return -1;
	}
	int rc;
	if (optimize && (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, optimize)) != 0) {
		fprintf(stderr, "SCMP_FLTATR_CTL_OPTIMIZE: %s\n", strerror(-rc));
		return -1;
	}
	int first_arch = 1;
	for (int i = 0; i < nlines; i++) {
		char name[64];
		if (sscanf(lines[i], "arch %63s", name) != 1)
			continue;
		uint32_t a = seccomp_arch_resolve_name(name);
		if (!a) {
			fprintf(stderr, "unknown arch %s\n", name);
			return -1;
		}
		if (first_arch && a != seccomp_arch_native()) {
			seccomp_arch_add(ctx, a);
			seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
		} else if (!first_arch) {
			if ((rc = seccomp_arch_add(ctx, a)) != 0 && rc != -EEXIST) {
				fprintf(stderr, "arch %s: %s\n", name, strerror(-rc));
				return -1;
			}
		}
		first_arch = 0;
	}
	for (int i = 0; i < nlines; i++) {
		uint32_t ret;
		int n, off;
		char name[64];
		if (sscanf(lines[i], "rule %u %63s %d%n", &ret, name, &n, &off) != 3)
			continue;
		struct scmp_arg_cmp cmp[6];
		char *p = lines[i] + off;
		for (int j = 0; j < n && j < 6; j++) {
			unsigned arg, op;
			unsigned long long a, b;
			int used;
			if (sscanf(p, " %u %u %llu %llu%n", &arg, &op, &a, &b, &used) != 4) {
				fprintf(stderr, "bad rule line: %s\n", lines[i]);
				return -1;
			}
			cmp[j] = (struct scmp_arg_cmp){arg, (enum scmp_compare)op, a, b};
			p += used;
		}
		int nr = seccomp_syscall_resolve_name(name);
		if (nr == __NR_SCMP_ERROR)
			continue; // unknown to this libseccomp
		if ((rc = seccomp_rule_add_array(ctx, ret, nr, n, cmp)) != 0) {
			fprintf(stderr, "rule %s: %s\n", lines[i], strerror(-rc));
			return -1;
		}
	}
	if (out_fd >= 0)
		rc = seccomp_export_bpf(ctx, out_fd);
	else {
		// export to /dev/null: the generation work without the output
		FILE *f = fopen("/dev/null", "w");
		rc = seccomp_export_bpf(ctx, fileno(f));
		fclose(f);
	}
	seccomp_release(ctx);
	if (rc != 0) {
		fprintf(stderr, "seccomp_export_bpf: %s\n", strerror(-rc));
		return -1;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b) {
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
	if (argc != 3) {
		fprintf(stderr, "usage: %s OPTIMIZE ITERATIONS < policy > filter.bpf\n", argv[0]);
		return 2;
	}
	int optimize = atoi(argv[1]), iters = atoi(argv[2]);
	char buf[4096];
	while (nlines < MAXLINES && fgets(buf, sizeof buf, stdin))
		lines[nlines++] = strdup(buf);
	if (build(optimize, 1) != 0)
		return 1;
	uint64_t *t = calloc(iters > 0 ? iters : 1, sizeof *t);
	uint64_t *c = calloc(iters > 0 ? iters : 1, sizeof *c);
	for (int i = 0; i < iters; i++) {
		uint64_t s = clock_ns(CLOCK_MONOTONIC), sc = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
		if (build(optimize, -1) != 0)
			return 1;
		t[i] = clock_ns(CLOCK_MONOTONIC) - s;
		c[i] = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - sc;
	}
	if (iters > 0) {
		qsort(t, iters, sizeof *t, cmp_u64);
		qsort(c, iters, sizeof *c, cmp_u64);
		fprintf(stderr, "compile_ns %llu cpu_ns %llu\n", (unsigned long long)t[iters / 2], (unsigned long long)c[iters / 2]);
	}
	return 0;
}
