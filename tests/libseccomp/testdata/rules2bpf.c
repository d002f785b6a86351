/*
 * rules2bpf: builds a seccomp filter with libseccomp from a simple line
 * format on stdin and writes the exported BPF program to stdout. Written for
 * ringfence's differential test (tests/libseccomp); see the Go side for the
 * format:
 *
 *   arch NAME                 (x86_64 i386 x32 aarch64 arm riscv64; repeated)
 *   default RET               (SECCOMP_RET_* value, hex)
 *   badarch RET
 *   rule RET NAME N [IDX OP A B]...   (OP: libseccomp's enum scmp_compare)
 *
 * A syscall name libseccomp does not know is reported on stderr as
 * "skip NAME" and left out. "rules2bpf names ARCH MAX" prints "NR NAME" for
 * every number 0..MAX (and, for x32, the same with the x32 bit) that
 * libseccomp's table for ARCH knows.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t arch_token(const char *name)
{
	if (!strcmp(name, "x86_64"))
		return SCMP_ARCH_X86_64;
	if (!strcmp(name, "i386"))
		return SCMP_ARCH_X86;
	if (!strcmp(name, "x32"))
		return SCMP_ARCH_X32;
	if (!strcmp(name, "aarch64"))
		return SCMP_ARCH_AARCH64;
	if (!strcmp(name, "arm"))
		return SCMP_ARCH_ARM;
	if (!strcmp(name, "riscv64"))
		return SCMP_ARCH_RISCV64;
	fprintf(stderr, "unknown arch %s\n", name);
	exit(2);
}

static int names(const char *arch, int max)
{
	uint32_t tok = arch_token(arch);
	int bit = tok == SCMP_ARCH_X32 ? 0x40000000 : 0;
	for (int nr = 0; nr <= max; nr++) {
		int n = nr | bit;
		char *s = seccomp_syscall_resolve_num_arch(tok, n);
		if (s) {
			printf("%d %s\n", n, s);
			free(s);
		}
	}
	return 0;
}

/* make_ctx creates the filter once the header lines are read. */
static scmp_filter_ctx make_ctx(int have_def, uint32_t def, uint32_t badarch,
				char arches[][32], int narch)
{
	if (!have_def)
		return NULL;
	scmp_filter_ctx ctx = seccomp_init(def);
	if (!ctx)
		return NULL;
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch))
		return NULL;
	int native_kept = 0;
	uint32_t native = seccomp_arch_native();
	for (int i = 0; i < narch; i++) {
		uint32_t tok = arch_token(arches[i]);
		if (tok == native)
			native_kept = 1;
		else if (seccomp_arch_add(ctx, tok))
			return NULL;
	}
	if (!native_kept && seccomp_arch_remove(ctx, native))
		return NULL;
	return ctx;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "names"))
		return names(argv[2], atoi(argv[3]));

	char arches[8][32];
	int narch = 0;
	uint32_t def = 0, badarch = 0;
	int have_def = 0;
	scmp_filter_ctx ctx = NULL;
	char word[64];

	while (scanf("%63s", word) == 1) {
		if (!strcmp(word, "arch")) {
			if (narch == 8 || scanf("%31s", arches[narch]) != 1)
				return 2;
			narch++;
		} else if (!strcmp(word, "default")) {
			if (scanf("%x", &def) != 1)
				return 2;
			have_def = 1;
		} else if (!strcmp(word, "badarch")) {
			if (scanf("%x", &badarch) != 1)
				return 2;
		} else if (!strcmp(word, "rule")) {
			uint32_t act;
			char name[128];
			int n;
			struct scmp_arg_cmp cmp[6];
			if (scanf("%x %127s %d", &act, name, &n) != 3 || n < 0 || n > 6)
				return 2;
			for (int i = 0; i < n; i++) {
				unsigned idx, op;
				unsigned long long a, b;
				if (scanf("%u %u %llx %llx", &idx, &op, &a, &b) != 4)
					return 2;
				cmp[i].arg = idx;
				cmp[i].op = op;
				cmp[i].datum_a = a;
				cmp[i].datum_b = b;
			}
			if (!ctx && !(ctx = make_ctx(have_def, def, badarch, arches, narch)))
				return 3;
			int nr = seccomp_syscall_resolve_name(name);
			if (nr == __NR_SCMP_ERROR) {
				fprintf(stderr, "skip %s\n", name);
				continue;
			}
			int rc = seccomp_rule_add_array(ctx, act, nr, n, cmp);
			if (rc == -EACCES && act == def)
				continue; /* libseccomp refuses rules that repeat the default */
			if (rc) {
				fprintf(stderr, "seccomp_rule_add_array(%s): %s\n", name, strerror(-rc));
				return 4;
			}
		} else {
			fprintf(stderr, "unknown line %s\n", word);
			return 2;
		}
	}
	if (!ctx && !(ctx = make_ctx(have_def, def, badarch, arches, narch)))
		return 3;
	if (seccomp_export_bpf(ctx, 1))
		return 5;
	seccomp_release(ctx);
	return 0;
}
