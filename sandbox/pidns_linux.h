// pidns_write writes value to path (a /proc/sys file) from a child forked
// into the pid namespace of pid; returns 0 or an errno, naming the failed
// step in op.
int pidns_write(int pid, const char *path, const char *value, char *op, int oplen);
