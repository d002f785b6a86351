package syscalls

// TEMPORARY: replaced by groups.go (owner: syscalls generator).

// Group returns the member syscall names of a group ("@network-io").
func Group(name string) ([]string, bool) { return nil, false }
