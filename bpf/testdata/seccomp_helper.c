// seccomp_helper: the kernel side of the bpf package's agreement tests.
// Built by the tests into a temporary directory; not part of ringfence.
//
// Every filter is installed in a fresh forked child, so nothing here ever
// filters the helper itself. Results travel through a shared anonymous
// mapping created before the fork, because once a filter is installed the
// child may not be able to make any syscall at all.
//
// Protocol (stdin and stdout, little-endian, native sizes):
//   u32 mode                 1 = check, 2 = run
//   u32 nprogs
//   per program: u32 len, len * struct sock_filter,
//                mode 2 only: u32 ncalls, ncalls * (u32 nr, u64 args[6])
// Output per program:
//   i32 install    0, or the errno seccomp(SECCOMP_SET_MODE_FILTER) gave
//   i32 signal     the signal that ended the child, 0 if it exited
//   mode 2 only: u32 done (calls completed), done * i64 syscall results
//                (the raw return value, -errno on failure)
// In mode 2 the filter must let exit_group through, or the child ends by
// SIGSEGV after its calls; both are reported, neither is an error here.

#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CALLS 4096

struct call {
	uint32_t nr;
	uint64_t args[6];
};

struct shared {
	volatile int32_t install;
	volatile uint32_t done;
	volatile int64_t results[MAX_CALLS];
};

static void readn(void *p, size_t n) {
	if (n && fread(p, 1, n, stdin) != n) {
		fprintf(stderr, "seccomp_helper: short input\n");
		exit(2);
	}
}

static void writen(const void *p, size_t n) {
	if (fwrite(p, 1, n, stdout) != n) {
		perror("seccomp_helper: write");
		exit(2);
	}
}

static uint32_t read_u32(void) {
	uint32_t v;
	readn(&v, sizeof v);
	return v;
}

int main(void) {
	struct rlimit nocore = {0, 0};
	setrlimit(RLIMIT_CORE, &nocore);
	uint32_t mode = read_u32();
	uint32_t nprogs = read_u32();
	struct shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("seccomp_helper: mmap");
		return 2;
	}
	static struct sock_filter prog[BPF_MAXINSNS + 1];
	static struct call calls[MAX_CALLS];
	for (uint32_t p = 0; p < nprogs; p++) {
		uint32_t len = read_u32();
		if (len > BPF_MAXINSNS + 1) {
			fprintf(stderr, "seccomp_helper: program of %u instructions is too long for the buffer\n", len);
			return 2;
		}
		readn(prog, len * sizeof prog[0]);
		uint32_t ncalls = 0;
		if (mode == 2) {
			ncalls = read_u32();
			if (ncalls > MAX_CALLS) {
				fprintf(stderr, "seccomp_helper: too many calls\n");
				return 2;
			}
			for (uint32_t i = 0; i < ncalls; i++) {
				readn(&calls[i].nr, 4);
				readn(calls[i].args, 48);
			}
		}
		sh->install = -1;
		sh->done = 0;
		fflush(stdout);
		pid_t pid = fork();
		if (pid < 0) {
			perror("seccomp_helper: fork");
			return 2;
		}
		if (pid == 0) {
			struct sock_fprog fprog = {.len = (unsigned short)len, .filter = prog};
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
				_exit(3);
			long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog);
			sh->install = r == 0 ? 0 : errno;
			if (r == 0) {
				for (uint32_t i = 0; i < ncalls; i++) {
					struct call *c = &calls[i];
					long v = syscall((long)(int32_t)c->nr, c->args[0], c->args[1], c->args[2],
							 c->args[3], c->args[4], c->args[5]);
					sh->results[i] = v == -1 ? -(int64_t)errno : (int64_t)v;
					sh->done = i + 1;
				}
			}
			syscall(SYS_exit_group, 0);
			*(volatile int *)0 = 0; // exit_group was filtered: end by SIGSEGV
			for (;;)
				;
		}
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				perror("seccomp_helper: waitpid");
				return 2;
			}
		}
		int32_t install = sh->install, sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
		if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
			fprintf(stderr, "seccomp_helper: prctl(PR_SET_NO_NEW_PRIVS) failed\n");
			return 2;
		}
		writen(&install, 4);
		writen(&sig, 4);
		if (mode == 2) {
			uint32_t done = sh->done;
			writen(&done, 4);
			for (uint32_t i = 0; i < done; i++) {
				int64_t v = sh->results[i];
				writen(&v, 8);
			}
		}
	}
	fflush(stdout);
	return 0;
}
