package syscalls

import (
	"sort"
	"sync"
)

type constant struct {
	name  string
	value uint64
}

var (
	constantByName = make(map[string]uint64, len(constantTable))
	constantByArch = map[Arch]map[string]uint64{}
	constantNames  []string
)

// loadConstants builds the indexes on first use (see loadTables).
var loadConstants = sync.OnceFunc(func() {
	for _, c := range constantTable {
		constantByName[c.name] = c.value
		constantNames = append(constantNames, c.name)
	}
	sort.Strings(constantNames)
	for a, diffs := range constantDiffs {
		m := make(map[string]uint64, len(diffs))
		for _, c := range diffs {
			m[c.name] = c.value
		}
		constantByArch[a] = m
	}
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
	loadConstants()
	v, ok := constantByName[name]
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
	loadConstants()
	if v, ok := constantByArch[a][name]; ok {
		return v, true
	}
	if constantAbsentSet()[a][name] {
		return 0, false
	}
	return Constant(name)
}

// ConstantNames returns the names of every x86_64 constant, sorted.
func ConstantNames() []string {
	loadConstants()
	return append([]string(nil), constantNames...)
}
