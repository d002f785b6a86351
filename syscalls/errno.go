package syscalls

import (
	"sort"
	"sync"
)

type errnoEntry struct {
	name  string
	value uint16
	alias bool
}

var (
	errnoByName  = map[string]uint16{}
	errnoByValue = map[uint16]string{}
	errnoNames   []string
)

// loadErrno builds the indexes on first use (see abiTables).
var loadErrno = sync.OnceFunc(func() {
	for _, e := range errnoTable {
		errnoByName[e.name] = e.value
		if !e.alias {
			errnoByValue[e.value] = e.name
		}
		errnoNames = append(errnoNames, e.name)
	}
	sort.Strings(errnoNames)
})

// ErrnoName returns the symbolic name of errno e ("EPERM"); for values with
// two names it returns the kernel's primary one (EAGAIN, not EWOULDBLOCK).
// The values are those of asm-generic/errno.h, which every ABI ringfence
// supports uses.
func ErrnoName(e uint16) (string, bool) {
	loadErrno()
	n, ok := errnoByValue[e]
	return n, ok
}

// ErrnoValue returns the value of errno name ("EPERM" -> 1). Aliases
// (EWOULDBLOCK, EDEADLOCK, glibc's ENOTSUP) resolve.
func ErrnoValue(name string) (uint16, bool) {
	loadErrno()
	v, ok := errnoByName[name]
	return v, ok
}

// ErrnoNames returns every errno name, aliases included, sorted.
func ErrnoNames() []string {
	loadErrno()
	return append([]string(nil), errnoNames...)
}
