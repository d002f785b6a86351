/* perf_event_open: open a software counter on ourselves (allowed to
 * unprivileged users at perf_event_paranoid <= 2; a side-channel and kernel
 * attack surface a sandbox should not expose). */
#include "common.h"
#include <linux/perf_event.h>

int main(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof a;
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		contained("perf_event_open: %s", en(errno));
	escaped("perf_event_open returned fd %ld", fd);
}
