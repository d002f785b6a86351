package syscalls

// TEMPORARY: replaced by args.go and groups.go (owner: syscalls generator).

// Args returns the argument specs of syscall name (nil if unknown).
func Args(name string) []ArgSpec { return nil }

// Group returns the member syscall names of a group ("@network-io").
func Group(name string) ([]string, bool) { return nil, false }
