// The exec gate: see gate_linux.c.
#ifndef RINGFENCE_GATE_H
#define RINGFENCE_GATE_H

#include <stddef.h>
#include <stdint.h>

#define GATE_MAX_RLIMITS 8

struct gate_rlimit {
	int resource;
	uint64_t cur, max;
};

struct gate_args {
	const char *path;
	char *const *argv;
	char *const *envp;
	const char *dir;

	int uid, gid;
	int cap_last;       // /proc/sys/kernel/cap_last_cap
	int new_session;    // 1: setsid()
	int ctty;           // 1: fd 0 becomes the controlling terminal

	const int *keep_fds; // sorted ascending, all >= 3
	int nkeep;

	struct gate_rlimit rlimits[GATE_MAX_RLIMITS];
	int nrlimits;

	int landlock_fd;    // -1: none

	const void *filter; // struct sock_filter[], NULL: no filter
	unsigned short filter_len;
	unsigned int seccomp_flags;
	int notify;         // 1: hand the listener over (the init gets it)
	// post_exec: no filter before execve; CMD is traced and stopped at its
	// entry point, where the init makes it clear dumpable, lock its memory
	// (mlock) and install the filter (inject_linux.c).
	int post_exec;
	int mlock;          // post_exec: mlockall(MCL_CURRENT|MCL_FUTURE)
};

struct gate_result {
	int pid;            // CMD's pid (in the init's pid namespace)
	int listener_fd;    // notify: the listener, duplicated into the caller
	char stage[32];     // on failure: the step that failed
	char op[48];        // on failure: the operation
	int err;            // on failure: errno
};

int gate_spawn(const struct gate_args *a, struct gate_result *r);

// gate_post_exec runs the post_exec steps in the stopped child pid, gives
// it the CPUs of cpus (a cpu_set_t of cpus_size bytes; NULL: leaves them)
// and detaches (inject_linux.c); gate_post_exec_supported says whether
// this architecture has them.
int gate_post_exec(const struct gate_args *a, int pid, const void *cpus, size_t cpus_size, struct gate_result *r);
int gate_post_exec_supported(void);

#ifdef CPU_SETSIZE
// rf_pin_here keeps the caller on the CPU it runs on and saves the CPUs it
// had in saved: 1, or 0 when there is nothing to gain (one CPU) or it
// failed. (Declared where <sched.h> came with _GNU_SOURCE: the C files.)
int rf_pin_here(cpu_set_t *saved);
#endif

// rf_copy_str copies src (NULL: "") into dst[n], always terminated.
void rf_copy_str(char *dst, size_t n, const char *src);

// rf_close_all_but closes every fd from 3 up but the n in keep (which it
// sorts), with close_range over the gaps.
int rf_close_all_but(int *keep, int n);

#endif
