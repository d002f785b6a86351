/* keyctl: add a key to the session keyring (the kernel keyring is not namespaced). */
#include "common.h"
#include <linux/keyctl.h>

int main(void)
{
	long id = syscall(SYS_add_key, "user", "ringfence-escape", "x", 1, KEY_SPEC_SESSION_KEYRING);
	if (id < 0)
		contained("add_key: %s", en(errno));
	syscall(SYS_keyctl, KEYCTL_INVALIDATE, id);
	escaped("add_key created key %ld in the session keyring", id);
}
