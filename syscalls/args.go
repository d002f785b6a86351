package syscalls

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// argsText is the argument table: written by hand from the kernel's
// SYSCALL_DEFINE prototypes and the man pages (the UAPI headers carry no
// prototypes to generate it from). Its header says the format.
//
//go:embed args.txt
var argsText string

// argTable parses args.txt on first use (see abiTables).
var argTable = sync.OnceValue(func() map[string][]ArgSpec { return mustParseArgs(argsText) })

// argKinds maps the kind words of args.txt.
var argKinds = map[string]ArgKind{
	"int": ArgInt, "uint": ArgUint, "long": ArgLong, "ptr": ArgPointer, "path": ArgPath, "fd": ArgFD,
}

func (k ArgKind) String() string {
	for w, v := range argKinds {
		if v == k {
			return w
		}
	}
	if k == ArgUnknown {
		return "unknown"
	}
	return fmt.Sprintf("ArgKind(%d)", uint8(k))
}

// MarshalText implements encoding.TextMarshaler.
func (k ArgKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Width32 reports whether only the low 32 bits of the argument are
// meaningful (C int, unsigned int, file descriptors): the kernel truncates
// them, so a policy must compare the low half only or an attacker could set
// the high half to dodge an equality check. On 32-bit ABIs (i386, arm)
// every argument is 32 bits wide whatever its kind; see Arch.Is64Bit.
func (k ArgKind) Width32() bool { return k == ArgInt || k == ArgUint || k == ArgFD }

func mustParseArgs(text string) map[string][]ArgSpec {
	t, err := parseArgs(text)
	if err != nil {
		panic("syscalls: args.txt: " + err.Error()) // embedded data; TestArgsTable guards it
	}
	return t
}

// parseArgs reads the args.txt format: "name: arg kind [CONST...] [flags]; ...".
func parseArgs(text string) (map[string][]ArgSpec, error) {
	t := map[string][]ArgSpec{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("line %d: want 'name: arg kind ...; ...'", i+1)
		}
		if _, dup := t[name]; dup {
			return nil, fmt.Errorf("line %d: %s listed twice", i+1, name)
		}
		var specs []ArgSpec
		for _, a := range strings.Split(rest, ";") {
			f := strings.Fields(a)
			if len(f) < 2 {
				return nil, fmt.Errorf("line %d (%s): argument %q wants a name and a kind", i+1, name, strings.TrimSpace(a))
			}
			k, ok := argKinds[f[1]]
			if !ok {
				return nil, fmt.Errorf("line %d (%s): unknown kind %q (int, uint, long, ptr, path, fd)", i+1, name, f[1])
			}
			s := ArgSpec{Name: f[0], Kind: k}
			for _, w := range f[2:] {
				if w == "flags" {
					s.Flags = true
				} else {
					s.Consts = append(s.Consts, w)
				}
			}
			specs = append(specs, s)
		}
		if len(specs) > 6 {
			return nil, fmt.Errorf("line %d (%s): %d arguments, syscalls take at most 6", i+1, name, len(specs))
		}
		t[name] = specs
	}
	return t, nil
}

// Args returns the argument specs of syscall name in x86_64 order, or nil if
// the table has none. The slice is shared: do not modify it.
func Args(name string) []ArgSpec { return argTable()[name] }

// ArgsFor returns the argument specs of name as laid out on ABI a. They
// match Args except for clone, whose last two arguments are (tls,
// child_tid) on the CONFIG_CLONE_BACKWARDS ABIs (i386, arm, aarch64,
// riscv64) and (child_tid, tls) on x86_64 and x32.
func ArgsFor(a Arch, name string) []ArgSpec {
	s := argTable()[name]
	if name == "clone" && cloneBackwards(a) && len(s) == 5 {
		return []ArgSpec{s[0], s[1], s[2], s[4], s[3]}
	}
	return s
}

func cloneBackwards(a Arch) bool {
	switch a {
	case ArchI386, ArchARM, ArchAArch64, ArchRISCV64:
		return true
	}
	return false
}

// ArgIndex returns the position of argument arg of syscall name on ABI a.
func ArgIndex(a Arch, name, arg string) (int, bool) {
	for i, s := range ArgsFor(a, name) {
		if s.Name == arg {
			return i, true
		}
	}
	return 0, false
}

// ArgSyscalls returns the names of the syscalls that have argument specs, sorted.
func ArgSyscalls() []string {
	n := make([]string, 0, len(argTable()))
	for k := range argTable() {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// ConstantsWithPrefix returns the constant names starting with any of the
// prefixes (the form ArgSpec.Consts uses), sorted.
func ConstantsWithPrefix(prefixes ...string) []string {
	var out []string
	names := constants().names
	for _, p := range prefixes {
		i := sort.SearchStrings(names, p)
		for ; i < len(names) && strings.HasPrefix(names[i], p); i++ {
			out = append(out, names[i])
		}
	}
	sort.Strings(out)
	return dedupSorted(out)
}

func dedupSorted(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
