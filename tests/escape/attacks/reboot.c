/* reboot: reboot(LINUX_REBOOT_CMD_CAD_OFF) (the setting is restored after). */
#include "common.h"
#include <linux/reboot.h>

int main(void)
{
	char was[8] = "";
	read_secret("/proc/sys/kernel/ctrl-alt-del", was, sizeof was);
	long r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF, NULL);
	int e = errno;
	if (r == 0 && atoi(was) == 1)
		syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_ON, NULL);
	if (r == 0)
		escaped("reboot(CAD_OFF) succeeded");
	contained("reboot(CAD_OFF): %s", en(e));
}
