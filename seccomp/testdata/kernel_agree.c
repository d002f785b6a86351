// kernel_agree: installs a seccomp filter and issues raw syscalls under it,
// for seccomp's kernel-agreement test (kernel_linux_test.go).
//
// stdin:  u32 n, n struct sock_filter; u32 m, m cases of u64 nr, u64 args[6]
//         (n == 0: only probe). A case whose nr has bit 32 set is an i386
//         call through int $0x80 with the full 64-bit argument registers.
// stdout: "probe I386 X32" line, then after the filter is installed, m
//         little-endian i32 errno values (0 when a call returned success)
//
// The test rewrites every return of the filter to SECCOMP_RET_ERRNO | tag, so
// no syscall body ever runs; it prefixes the filter with a guard that allows
// write and exit_group when args[5] is MAGIC: this helper's own output path,
// which no test case uses. Everything before the filter is installed
// (reading input, probing ABIs) runs unfiltered.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAGIC 0x5eccf11e7e57a9e5ull

static int readall(void *p, size_t n) {
	char *c = p;
	while (n > 0) {
		ssize_t r = read(0, c, n);
		if (r <= 0)
			return -1;
		c += r;
		n -= r;
	}
	return 0;
}

// probe_i386 reports whether int $0x80 works from 64-bit code (needs
// CONFIG_IA32_EMULATION and ia32_emulation not disabled): a child tries
// getpid (i386 nr 20) and dies with SIGSEGV when it does not.
static int probe_i386(void) {
	pid_t pid = fork();
	if (pid == 0) {
		long ret;
		__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory");
		_exit(ret == getpid() ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// probe_x32 reports whether x32 syscalls work (CONFIG_X86_X32_ABI).
static int probe_x32(void) {
	long r = syscall(0x40000000L | 39 /* getpid */);
	return r == getpid();
}

// call_i386 issues an i386 syscall from 64-bit code; the argument
// registers keep their upper halves, as an attacker's would.
static long call_i386(uint64_t nr, const uint64_t *a) {
	long ret;
	register uint64_t r8 __asm__("r8") = a[5];
	__asm__ volatile("push %%rbp\n\tmov %%r8, %%rbp\n\tint $0x80\n\tpop %%rbp"
			 : "=a"(ret)
			 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4]), "r"(r8)
			 : "memory", "cc");
	return (int)ret; // the i386 ABI returns a 32-bit value
}

int main(void) {
	uint32_t n, m;
	if (readall(&n, 4) || n > 4096)
		return 2;
	if (n == 0) {
		printf("probe %d %d\n", probe_i386(), probe_x32());
		return 0;
	}
	struct sock_filter *f = calloc(n, sizeof *f);
	if (readall(f, n * sizeof *f) || readall(&m, 4))
		return 2;
	uint64_t(*cases)[7] = calloc(m ? m : 1, sizeof *cases);
	int32_t *out = calloc(m ? m : 1, sizeof *out);
	if (readall(cases, m * sizeof *cases))
		return 2;
	printf("probe %d %d\n", probe_i386(), probe_x32());
	fflush(stdout);

	struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		perror("prctl");
		return 3;
	}
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		printf("install-failed %d\n", errno);
		return 4;
	}
	for (uint32_t i = 0; i < m; i++) {
		if (cases[i][0] >> 32) {
			long r = call_i386((uint32_t)cases[i][0], &cases[i][1]);
			out[i] = r < 0 && r >= -4095 ? -r : 0;
			continue;
		}
		errno = 0;
		long r = syscall((long)(int32_t)cases[i][0], cases[i][1], cases[i][2], cases[i][3], cases[i][4], cases[i][5], cases[i][6]);
		out[i] = r == -1 ? errno : 0;
	}
	// Output through the guard: write(1, ...) with args[5] == MAGIC.
	char *p = (char *)out;
	size_t left = m * sizeof *out;
	while (left > 0) {
		long w = syscall(SYS_write, 1, p, left, 0, 0, MAGIC);
		if (w <= 0)
			break;
		p += w;
		left -= w;
	}
	syscall(SYS_exit_group, 0, 0, 0, 0, 0, MAGIC);
	return 5;
}
