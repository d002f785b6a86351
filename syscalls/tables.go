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

// The indexes are built on first use, one ABI at a time, not at program
// start: every process of the CLI would otherwise pay for them, and a policy
// for the native ABI alone needs one table, not six.
var abiTables = func() map[Arch]func() *abiTable {
	m := make(map[Arch]func() *abiTable, len(Arches))
	for _, a := range Arches {
		m[a] = sync.OnceValue(func() *abiTable { return buildTable(a) })
	}
	return m
}()

// allNames is the union of every ABI's names, sorted.
var allNames = sync.OnceValue(func() []string {
	union := map[string]bool{}
	for _, a := range Arches {
		for _, n := range abiTableOf(a).names {
			union[n] = true
		}
	}
	out := make([]string, 0, len(union))
	for n := range union {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
})

func abiTableOf(a Arch) *abiTable {
	if table, ok := abiTables[a]; ok {
		return table()
	}
	return nil
}

func buildTable(a Arch) *abiTable {
	calls := generatedTables[a]
	t := &abiTable{calls: calls, byName: make(map[string]int, len(calls)), byNr: make(map[int]string, len(calls))}
	for _, s := range calls {
		t.byName[s.Name] = s.Nr
		t.byNr[s.Nr] = s.Name
	}
	for _, s := range generatedAliases[a] {
		t.byName[s.Name] = s.Nr
	}
	t.names = make([]string, 0, len(t.byName))
	for n := range t.byName {
		t.names = append(t.names, n)
	}
	sort.Strings(t.names)
	return t
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
	return append([]string(nil), allNames()...)
}

// Known reports whether name is a syscall on at least one ABI.
func Known(name string) bool {
	all := allNames()
	i := sort.SearchStrings(all, name)
	return i < len(all) && all[i] == name
}
