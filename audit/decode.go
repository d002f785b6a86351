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
	familiesMu sync.Mutex
	families   = map[string]*family{}
)

// aliases are names that share a value with the name people write (AF_FILE
// is AF_UNIX), or that share a prefix without belonging to the family
// (SOCK_SNDBUF_LOCK is a socket option value, not a socket type): decoding
// never prints them.
var aliases = map[string]bool{
	"AF_FILE": true, "AF_LOCAL": true, "AF_ROUTE": true, "O_NDELAY": true, "O_FSYNC": true,
	"O_RSYNC": true, "O_ACCMODE": true, "SOCK_SNDBUF_LOCK": true, "SOCK_RCVBUF_LOCK": true,
	"SOCK_BUF_LOCK_MASK": true, "SOCK_TXREHASH_DEFAULT": true, "SOCK_TXREHASH_DISABLED": true,
	"SOCK_TXREHASH_ENABLED": true, "SOCK_IOC_TYPE": true, "IPPROTO_HOPOPTS": true, "SIGIOT": true,
	"SIGPOLL": true, "SIGCLD": true, "SIGUNUSED": true, "PROT_GROWSDOWN": true, "PROT_GROWSUP": true,
	"MAP_FILE": true, "MAP_ANON": true, "MAP_EXECUTABLE": true, "MAP_DENYWRITE": true,
}

// familyOf returns the constants whose names start with prefix (an exact
// constant name is its own prefix), built once per prefix.
func familyOf(prefix string) *family {
	familiesMu.Lock()
	defer familiesMu.Unlock()
	if f, ok := families[prefix]; ok {
		return f
	}
	f := &family{}
	for _, name := range syscalls.ConstantNames() {
		if strings.HasPrefix(name, prefix) && !aliases[name] {
			v, _ := syscalls.Constant(name)
			f.names = append(f.names, name)
			f.values = append(f.values, v)
		}
	}
	sort.Sort(byValueDesc{f})
	families[prefix] = f
	return f
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

// low32 is the family with values cut to 32 bits (negative int constants
// such as AT_FDCWD are stored sign-extended).
func (f *family) low32() *family {
	g := &family{names: f.names, values: make([]uint64, len(f.values))}
	for i, v := range f.values {
		g.values[i] = uint64(uint32(v))
	}
	return g
}

// DecodeArg renders one argument value the way a person reads it: a
// constant name for enumerations (AF_INET), an |-joined set for flags
// (O_WRONLY|O_CREAT|O_CLOEXEC), a signed number for int arguments, hex
// otherwise.
func DecodeArg(spec syscalls.ArgSpec, v uint64) string {
	narrow := spec.Kind == syscalls.ArgInt || spec.Kind == syscalls.ArgFD || spec.Kind == syscalls.ArgUint
	if narrow {
		v = uint64(uint32(v))
	}
	for _, prefix := range spec.Consts {
		f := familyOf(prefix)
		if narrow {
			f = f.low32()
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

// DecodeArgs renders the arguments the tables name for a syscall. For a
// syscall without argument specs it returns nil: its registers may hold
// leftovers that are not arguments, and the raw values are in Event.Args.
func DecodeArgs(name string, args [6]uint64) []string {
	specs := syscalls.Args(name)
	out := make([]string, len(specs))
	for i, spec := range specs {
		out[i] = spec.Name + "=" + DecodeArg(spec, args[i])
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
