/* ptrace_sibling: ptrace a process of our own (inside the sandbox, a sibling). */
#include "common.h"

int main(void)
{
	int e = attach_child();
	if (e == 0)
		escaped("PTRACE_ATTACH to our own child");
	contained("PTRACE_ATTACH to our child: %s", en(e));
}
