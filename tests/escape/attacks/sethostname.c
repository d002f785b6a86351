/* sethostname NAME: set the host name (the harness passes the current host name
 * for the run outside the sandbox, and a new one inside, then checks the host). */
#include "common.h"

int main(int argc, char **argv)
{
	need(argc, 1, "sethostname NAME");
	if (sethostname(argv[1], strlen(argv[1])) < 0)
		contained("sethostname: %s", en(errno));
	escaped("sethostname(\"%s\") succeeded", argv[1]);
}
