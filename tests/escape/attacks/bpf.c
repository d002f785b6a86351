/* bpf: create a BPF map, then load a trivial socket filter program. */
#include "common.h"
#include <linux/bpf.h>

int main(void)
{
	union bpf_attr a;
	memset(&a, 0, sizeof a);
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a);
	if (fd >= 0)
		escaped("bpf(BPF_MAP_CREATE) returned fd %ld", fd);
	int e = errno;
	struct bpf_insn prog[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	memset(&a, 0, sizeof a);
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (unsigned long)prog;
	a.insn_cnt = 2;
	a.license = (unsigned long)"GPL";
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof a);
	if (fd >= 0)
		escaped("bpf(BPF_PROG_LOAD) returned fd %ld", fd);
	contained("bpf: MAP_CREATE %s, PROG_LOAD %s", en(e), en(errno));
}
