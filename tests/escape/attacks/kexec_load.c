/* kexec_load: kexec_load with an invalid flag: EINVAL means it passed CAP_SYS_BOOT. */
#include "common.h"

int main(void)
{
	long r = syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0x80UL);
	privileged("kexec_load", r, errno);
}
