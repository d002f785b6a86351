package syscalls

import (
	"sort"
	"sync"
)

type constant struct {
	name  string
	value uint64
}

// constantIndex is the lookup side of the generated tables.
type constantIndex struct {
	byName map[string]uint64          // x86_64 values
	byArch map[Arch]map[string]uint64 // other ABIs: the values that differ
	names  []string                   // x86_64 names, sorted
}

// constants builds the indexes on first use (see abiTables): nearly 2,000
// map entries a CLI start that never resolves a constant should not pay for.
var constants = sync.OnceValue(func() *constantIndex {
	x := &constantIndex{byName: make(map[string]uint64, len(constantTable)), byArch: map[Arch]map[string]uint64{}}
	for _, c := range constantTable {
		x.byName[c.name] = c.value
		x.names = append(x.names, c.name)
	}
	sort.Strings(x.names)
	for a, diffs := range constantDiffs {
		m := make(map[string]uint64, len(diffs))
		for _, c := range diffs {
			m[c.name] = c.value
		}
		x.byArch[a] = m
	}
	return x
})

var constantAbsentSet = sync.OnceValue(func() map[Arch]map[string]bool {
	s := map[Arch]map[string]bool{}
	for a, names := range constantAbsent {
		s[a] = map[string]bool{}
		for _, n := range names {
			s[a][n] = true
		}
	}
	return s
})

// Constant returns the x86_64 value of a symbolic constant (AF_INET,
// O_CLOEXEC, TIOCSTI, ...). Negative C values are stored sign-extended to
// 64 bits: AT_FDCWD (-100) is 0xffffffffffffff9c, whose low 32 bits,
// 0xffffff9c, are what a policy compares for an int argument.
func Constant(name string) (uint64, bool) {
	v, ok := constants().byName[name]
	return v, ok
}

// ConstantFor returns the value of a constant on ABI a. Most constants are
// the same everywhere; the O_* open flags (O_DIRECTORY, O_NOFOLLOW, O_DIRECT,
// O_LARGEFILE on arm/aarch64), ioctl requests whose size field depends on
// sizeof(long), and a few others differ, and ConstantFor knows them.
// Constants from glibc's socket headers (AF_*, SOCK_*, SOL_*, MSG_*) are
// taken to be equal on every supported ABI.
func ConstantFor(a Arch, name string) (uint64, bool) {
	if a == ArchX86_64 {
		return Constant(name)
	}
	if _, known := archNames[a]; !known {
		return 0, false
	}
	if v, ok := constants().byArch[a][name]; ok {
		return v, true
	}
	if constantAbsentSet()[a][name] {
		return 0, false
	}
	return Constant(name)
}

// ConstantNames returns the names of every x86_64 constant, sorted.
func ConstantNames() []string {
	return append([]string(nil), constants().names...)
}
