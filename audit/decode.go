package audit

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"

	"github.com/ringfence/ringfence/syscalls"
)

// family is the constants sharing a prefix, largest value first so that
// multi-bit constants are tried before their single bits.
type family struct {
	names  []string
	values []uint64
}

var (
	familiesOnce sync.Once
	families     map[string]*family
)

func loadFamilies() {
	families = map[string]*family{}
	for _, name := range syscalls.ConstantNames() {
		v, _ := syscalls.Constant(name)
		for _, prefix := range prefixesOf(name) {
			f := families[prefix]
			if f == nil {
				f = &family{}
				families[prefix] = f
			}
			f.names = append(f.names, name)
			f.values = append(f.values, v)
		}
	}
	for _, f := range families {
		sort.Sort(byValueDesc{f})
	}
}

// prefixesOf lists the prefixes a constant name can be looked up by:
// "SOCK_CLOEXEC" -> "SOCK_"; "TIOCSTI" -> "TIOC".
func prefixesOf(name string) []string {
	var ps []string
	if i := strings.IndexByte(name, '_'); i > 0 {
		ps = append(ps, name[:i+1])
	}
	for _, p := range []string{"TIOC", "TC", "FIO", "SIOC"} {
		if strings.HasPrefix(name, p) && !strings.HasPrefix(name, p+"_") {
			ps = append(ps, p)
		}
	}
	return ps
}

type byValueDesc struct{ f *family }

func (b byValueDesc) Len() int { return len(b.f.names) }
func (b byValueDesc) Less(i, j int) bool {
	ci, cj := bits.OnesCount64(b.f.values[i]), bits.OnesCount64(b.f.values[j])
	if ci != cj {
		return ci > cj
	}
	if b.f.values[i] != b.f.values[j] {
		return b.f.values[i] > b.f.values[j]
	}
	return b.f.names[i] < b.f.names[j]
}
func (b byValueDesc) Swap(i, j int) {
	b.f.names[i], b.f.names[j] = b.f.names[j], b.f.names[i]
	b.f.values[i], b.f.values[j] = b.f.values[j], b.f.values[i]
}

// DecodeArg renders one argument value the way a person reads it: a
// constant name for enumerations (AF_INET), an |-joined set for flags
// (O_WRONLY|O_CREAT|O_CLOEXEC), a signed number for int arguments, hex
// otherwise.
func DecodeArg(spec syscalls.ArgSpec, v uint64) string {
	if spec.Kind == syscalls.ArgInt || spec.Kind == syscalls.ArgFD || spec.Kind == syscalls.ArgUint {
		v = uint64(uint32(v))
	}
	familiesOnce.Do(loadFamilies)
	for _, prefix := range spec.Consts {
		f := families[prefix]
		if f == nil {
			continue
		}
		if spec.Flags {
			if s, ok := decodeFlags(f, v); ok {
				return s
			}
			continue
		}
		for i, fv := range f.values {
			if fv == v {
				return f.names[i]
			}
		}
	}
	switch spec.Kind {
	case syscalls.ArgInt, syscalls.ArgFD:
		return fmt.Sprint(int32(uint32(v)))
	case syscalls.ArgUint:
		return fmt.Sprint(v)
	}
	return fmt.Sprintf("%#x", v)
}

// decodeFlags covers v with the family's constants; leftover bits are shown
// in hex. A zero value is the family's zero constant if it has one (O_RDONLY).
func decodeFlags(f *family, v uint64) (string, bool) {
	if v == 0 {
		for i, fv := range f.values {
			if fv == 0 {
				return f.names[i], true
			}
		}
		return "0", true
	}
	var parts []string
	rest := v
	for i, fv := range f.values {
		if fv != 0 && rest&fv == fv {
			parts = append(parts, f.names[i])
			rest &^= fv
		}
	}
	if len(parts) == 0 {
		return "", false
	}
	if rest != 0 {
		parts = append(parts, fmt.Sprintf("%#x", rest))
	}
	return strings.Join(parts, "|"), true
}

// DecodeArgs renders every argument the tables name for a syscall; unnamed
// arguments are shown in hex as argN.
func DecodeArgs(name string, args [6]uint64) []string {
	specs := syscalls.Args(name)
	n := len(specs)
	if n == 0 {
		n = 6
		for n > 0 && args[n-1] == 0 {
			n--
		}
	}
	out := make([]string, n)
	for i := 0; i < n; i++ {
		if i < len(specs) {
			out[i] = specs[i].Name + "=" + DecodeArg(specs[i], args[i])
		} else {
			out[i] = fmt.Sprintf("arg%d=%#x", i, args[i])
		}
	}
	return out
}

// enumCondition is "name == CONST" for the first enumerated argument whose
// value decoded to a constant name, or "".
func enumCondition(syscall string, decoded []string) string {
	for i, spec := range syscalls.Args(syscall) {
		if i >= len(decoded) || spec.Flags || len(spec.Consts) == 0 {
			continue
		}
		_, val, _ := strings.Cut(decoded[i], "=")
		if val != "" && (val[0] < '0' || val[0] > '9') && val[0] != '-' {
			return spec.Name + " == " + val
		}
	}
	return ""
}
