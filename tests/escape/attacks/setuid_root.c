/* setuid_root: setuid(0), then check which host uid we are (through uid_map). */
#include "common.h"

int main(void)
{
	if (setuid(0) < 0)
		contained("setuid(0): %s", en(errno));
	long uid = geteuid(), host = hostuid(uid);
	if (host == 0)
		escaped("euid %ld is host root", uid);
	contained("setuid(0) worked but euid %ld is host uid %ld", uid, host);
}
