package syscalls

// TEMPORARY: replaced by the generated tables (owner: syscalls generator).

// Number returns the syscall number of name on ABI a.
func Number(a Arch, name string) (int, bool) { return 0, false }

// Name returns the name of syscall nr on ABI a.
func Name(a Arch, nr int) (string, bool) { return "", false }

// Table returns every syscall of ABI a, sorted by number.
func Table(a Arch) []Syscall { return nil }

// ErrnoName returns the symbolic name of errno e ("EPERM").
func ErrnoName(e uint16) (string, bool) { return "", false }

// ErrnoValue returns the value of errno name ("EPERM" -> 1).
func ErrnoValue(name string) (uint16, bool) { return 0, false }

// Constant returns the value of a symbolic constant (AF_INET, O_RDONLY, ...).
func Constant(name string) (uint64, bool) { return 0, false }

// Args returns the argument specs of syscall name (nil if unknown).
func Args(name string) []ArgSpec { return nil }

// Group returns the member syscall names of a group ("@network-io").
func Group(name string) ([]string, bool) { return nil, false }
