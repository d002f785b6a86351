package syscalls

import (
	"sort"
	"sync"
)

// abiTable is one ABI's table with the lookup indexes built at init.
type abiTable struct {
	calls  []Syscall      // canonical names, sorted by number
	byName map[string]int // canonical names and aliases
	byNr   map[int]string // canonical names only
	names  []string       // every name Number accepts, sorted
}

// The indexes are built on first use, not at program start: every process
// of the CLI (each sandbox's init stage too, being the same binary) would
// otherwise pay for them.
var loadTables = sync.OnceValues(buildTables)

func abiTableOf(a Arch) *abiTable {
	t, _ := loadTables()
	return t[a]
}

func buildTables() (map[Arch]*abiTable, []string) {
	abiTables := map[Arch]*abiTable{}
	var allNames []string
	union := map[string]bool{}
	for _, a := range Arches {
		calls := generatedTables[a]
		t := &abiTable{calls: calls, byName: make(map[string]int, len(calls)), byNr: make(map[int]string, len(calls))}
		for _, s := range calls {
			t.byName[s.Name] = s.Nr
			t.byNr[s.Nr] = s.Name
		}
		for _, s := range generatedAliases[a] {
			t.byName[s.Name] = s.Nr
		}
		for n := range t.byName {
			t.names = append(t.names, n)
			union[n] = true
		}
		sort.Strings(t.names)
		abiTables[a] = t
	}
	for n := range union {
		allNames = append(allNames, n)
	}
	sort.Strings(allNames)
	return abiTables, allNames
}

// Number returns the syscall number of name on ABI a. x32 numbers include
// X32SyscallBit; ARM's private calls (cacheflush, set_tls, ...) are
// 0x0f0000 + n. Aliases the headers define (arm's sync_file_range2) resolve.
func Number(a Arch, name string) (int, bool) {
	t := abiTableOf(a)
	if t == nil {
		return 0, false
	}
	nr, ok := t.byName[name]
	return nr, ok
}

// Name returns the name of syscall nr on ABI a (the canonical one if the
// number has an alias).
func Name(a Arch, nr int) (string, bool) {
	t := abiTableOf(a)
	if t == nil {
		return "", false
	}
	n, ok := t.byNr[nr]
	return n, ok
}

// Table returns every syscall of ABI a, sorted by number, one entry per
// number (aliases left out). The slice is shared: do not modify it.
func Table(a Arch) []Syscall {
	if t := abiTableOf(a); t != nil {
		return t.calls
	}
	return nil
}

// Names returns every name Number accepts on ABI a, aliases included, sorted.
func Names(a Arch) []string {
	if t := abiTableOf(a); t != nil {
		return append([]string(nil), t.names...)
	}
	return nil
}

// MaxNumber returns the highest syscall number of ABI a (-1 if a is unknown).
// On arm it is a private call (0x0f0000 + n), on x32 it includes X32SyscallBit.
func MaxNumber(a Arch) int {
	t := abiTableOf(a)
	if t == nil || len(t.calls) == 0 {
		return -1
	}
	return t.calls[len(t.calls)-1].Nr
}

// AllNames returns the union of the names of every ABI, sorted.
func AllNames() []string {
	_, all := loadTables()
	return append([]string(nil), all...)
}

// Known reports whether name is a syscall on at least one ABI.
func Known(name string) bool {
	_, allNames := loadTables()
	i := sort.SearchStrings(allNames, name)
	return i < len(allNames) && allNames[i] == name
}
