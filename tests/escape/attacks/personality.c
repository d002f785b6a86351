/* personality: set READ_IMPLIES_EXEC (every readable mapping executable). */
#include "common.h"
#include <sys/personality.h>

int main(void)
{
	if (personality(PER_LINUX | READ_IMPLIES_EXEC) < 0)
		contained("personality(READ_IMPLIES_EXEC): %s", en(errno));
	int now = personality(0xffffffff);
	if (now >= 0 && (now & READ_IMPLIES_EXEC))
		escaped("personality now %#x: READ_IMPLIES_EXEC set", now);
	contained("personality reads back %#x (%s)", now, now < 0 ? en(errno) : "flag not set");
}
