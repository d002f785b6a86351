/* int80: make an i386 system call (getpid, number 20) with int $0x80 from 64-bit code. */
#include "common.h"

int main(void)
{
	long r;
	fflush(stdout);
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	if (r == getpid())
		escaped("i386 getpid via int $0x80 returned %ld", r);
	if (r < 0 && r > -4096)
		contained("i386 getpid via int $0x80: %s", en((int)-r));
	contained("i386 getpid via int $0x80 returned %ld, not our pid", r);
}
