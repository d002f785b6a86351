// pngworker: a pipe-only parser of PNG headers, the example worker of
// package worker and `ringfence run --isolation pipe`.
//
// Protocol (package worker's framing): each request and each reply is a
// 4-byte big-endian length followed by that many bytes; at most MAX_FRAME.
// A request is the first bytes of a PNG file; the reply is one line of text:
//
//	ok width=W height=H depth=D colour=C
//	error: <why>
//
// Set-up, then the loop: mlockall (memory never swaps), then with --strict
// prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT). Under ringfence's pipe-worker
// filter the kernel refuses strict mode with EINVAL (a process has one
// seccomp mode) and the filter, which admits no more, stays in force; run
// without a filter (worker.Config.Strict) the worker is in strict mode from
// here on. With --ready it then writes one empty frame.
//
// After set-up only read(0), write(1), write(2) and exit are used: no
// malloc, no stdio, and the loop ends with the raw exit system call (strict
// mode does not admit exit_group, which glibc's exit() uses).
//
// Simulated exploitation: a request that starts with "EVIL" followed by one
// letter makes the worker do what an attacker's payload would:
//
//	o  open("/etc/passwd")         s  socket(AF_INET)
//	e  execve("/bin/sh")           f  fork
//	l  loop forever (a timeout)    c  crash (SIGSEGV)
//
// Build: gcc -static -O2 -o pngworker pngworker.c
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_FRAME (1 << 20)

static unsigned char req[MAX_FRAME];
static char reply[256];
static uint32_t crc_table[256];

static void __attribute__((noreturn)) quit(int code) {
	syscall(SYS_exit, code);
	for (;;) {
	}
}

static int read_full(unsigned char *p, size_t n) {
	while (n > 0) {
		ssize_t r = read(0, p, n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(const unsigned char *p, size_t n) {
	while (n > 0) {
		ssize_t r = write(1, p, n);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

static uint32_t be32(const unsigned char *p) {
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void send_frame(const char *s, size_t n) {
	unsigned char hdr[4] = {n >> 24, n >> 16, n >> 8, n};
	if (write_full(hdr, 4) < 0 || write_full((const unsigned char *)s, n) < 0) quit(1);
}

// fmt_u appends the decimal form of v at p and returns the new end.
static char *fmt_u(char *p, uint32_t v) {
	char tmp[12];
	int n = 0;
	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n) *p++ = tmp[--n];
	return p;
}

static char *put(char *p, const char *s) {
	while (*s) *p++ = *s++;
	return p;
}

static void crc_init(void) {
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;
		for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[n] = c;
	}
}

static uint32_t crc32(const unsigned char *p, size_t n) {
	uint32_t c = 0xffffffffu;
	for (size_t i = 0; i < n; i++) c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

// parse_png checks the signature and the IHDR chunk (PNG spec, 11.2.2) and
// writes the reply; it returns the reply's length.
static size_t parse_png(const unsigned char *p, size_t n) {
	static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	char *o = reply;
	if (n < 8 + 8 + 13 + 4) return put(o, "error: too short for a PNG header") - reply;
	if (memcmp(p, sig, 8) != 0) return put(o, "error: not a PNG signature") - reply;
	const unsigned char *c = p + 8;
	if (be32(c) != 13 || memcmp(c + 4, "IHDR", 4) != 0) return put(o, "error: first chunk is not a 13-byte IHDR") - reply;
	if (crc32(c + 4, 4 + 13) != be32(c + 8 + 13)) return put(o, "error: IHDR CRC mismatch") - reply;
	const unsigned char *d = c + 8;
	uint32_t w = be32(d), h = be32(d + 4);
	unsigned depth = d[8], colour = d[9];
	if (w == 0 || h == 0 || w > 0x7fffffffu || h > 0x7fffffffu) return put(o, "error: bad dimensions") - reply;
	int ok;
	switch (colour) {
	case 0: ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16; break;
	case 3: ok = depth == 1 || depth == 2 || depth == 4 || depth == 8; break;
	case 2: case 4: case 6: ok = depth == 8 || depth == 16; break;
	default: ok = 0;
	}
	if (!ok) return put(o, "error: bad bit depth / colour type") - reply;
	o = put(o, "ok width=");
	o = fmt_u(o, w);
	o = put(o, " height=");
	o = fmt_u(o, h);
	o = put(o, " depth=");
	o = fmt_u(o, depth);
	o = put(o, " colour=");
	o = fmt_u(o, colour);
	return o - reply;
}

// exploit does what a payload that took over the parser would try.
static void exploit(char what) {
	switch (what) {
	case 'o': open("/etc/passwd", O_RDONLY); break;
	case 's': socket(AF_INET, SOCK_STREAM, 0); break;
	case 'e': {
		char *argv[] = {"/bin/sh", 0};
		execve("/bin/sh", argv, 0);
		break;
	}
	case 'f': syscall(SYS_fork); break;
	case 'l': for (volatile int i = 0;; i++) {} break;
	case 'c': {
		volatile int *volatile bad = 0;
		*bad = 1;
		break;
	}
	}
}

int main(int argc, char **argv) {
	int strict = 0, ready = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--strict") == 0) strict = 1;
		else if (strcmp(argv[i], "--ready") == 0) ready = 1;
		else {
			static const char usage[] = "usage: pngworker [--strict] [--ready]\n";
			write(2, usage, sizeof usage - 1);
			return 2;
		}
	}
	crc_init();
	// Lock memory before any input arrives. Best effort: it fails only when
	// RLIMIT_MEMLOCK is smaller than the worker (about 1.1 MiB).
	mlockall(MCL_CURRENT | MCL_FUTURE);
	if (strict && prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) < 0 && errno != EINVAL) quit(3);
	if (ready) send_frame("", 0);
	for (;;) {
		unsigned char hdr[4];
		if (read_full(hdr, 4) < 0) quit(0); // EOF: the caller closed stdin
		uint32_t n = be32(hdr);
		if (n > MAX_FRAME) quit(4);
		if (read_full(req, n) < 0) quit(5);
		if (n >= 5 && memcmp(req, "EVIL", 4) == 0) exploit(req[4]);
		size_t r = parse_png(req, n);
		send_frame(reply, r);
	}
}
