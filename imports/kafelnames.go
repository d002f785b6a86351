package imports

// kafelArgNames are the argument names of the kernel's SYSCALL_DEFINE
// prototypes for the syscalls policies most often filter, which Kafel's
// built-in tables use and nsjail policies therefore write (ioctl's "cmd",
// clone's "clone_flags"). They are accepted beside the names package
// syscalls gives (ioctl's "request"); the width of each argument comes from
// package syscalls either way.
var kafelArgNames = map[string][]string{
	"accept4":        {"fd", "upeer_sockaddr", "upeer_addrlen", "flags"},
	"bind":           {"fd", "umyaddr", "addrlen"},
	"chmod":          {"filename", "mode"},
	"clone":          {"clone_flags", "newsp", "parent_tidptr", "child_tidptr", "tls"},
	"connect":        {"fd", "uservaddr", "addrlen"},
	"execve":         {"filename", "argv", "envp"},
	"execveat":       {"fd", "filename", "argv", "envp", "flags"},
	"faccessat":      {"dfd", "filename", "mode"},
	"fchmodat":       {"dfd", "filename", "mode"},
	"fcntl":          {"fd", "cmd", "arg"},
	"futex":          {"uaddr", "op", "val", "utime", "uaddr2", "val3"},
	"getsockopt":     {"fd", "level", "optname", "optval", "optlen"},
	"ioctl":          {"fd", "cmd", "arg"},
	"kill":           {"pid", "sig"},
	"madvise":        {"start", "len_in", "behavior"},
	"mkdirat":        {"dfd", "pathname", "mode"},
	"mmap":           {"addr", "len", "prot", "flags", "fd", "off"},
	"mprotect":       {"start", "len", "prot"},
	"open":           {"filename", "flags", "mode"},
	"openat":         {"dfd", "filename", "flags", "mode"},
	"personality":    {"personality"},
	"prctl":          {"option", "arg2", "arg3", "arg4", "arg5"},
	"ptrace":         {"request", "pid", "addr", "data"},
	"sendto":         {"fd", "buff", "len", "flags", "addr", "addr_len"},
	"setsockopt":     {"fd", "level", "optname", "optval", "optlen"},
	"socket":         {"family", "type", "protocol"},
	"socketpair":     {"family", "type", "protocol", "usockvec"},
	"tgkill":         {"tgid", "pid", "sig"},
	"tkill":          {"pid", "sig"},
	"unshare":        {"unshare_flags"},
	"write":          {"fd", "buf", "count"},
	"read":           {"fd", "buf", "count"},
	"rt_sigaction":   {"sig", "act", "oact", "sigsetsize"},
	"rt_sigprocmask": {"how", "nset", "oset", "sigsetsize"},
}

// kafelAliases are syscall names Kafel's tables spell after the kernel's
// entry points.
var kafelAliases = map[string]string{
	"newfstat": "fstat", "newstat": "stat", "newlstat": "lstat", "newuname": "uname",
}
