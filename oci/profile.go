package oci

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ringfence/ringfence/syscalls"
)

// Profile is a seccomp profile as Docker/moby reads it: the OCI runtime-spec
// linux.seccomp object plus Docker's extensions (archMap, per-rule
// includes/excludes, name, comment, defaultErrno). An OCI config.json
// linux.seccomp object is a Profile without the extensions.
type Profile struct {
	DefaultAction    specs.LinuxSeccompAction `json:"defaultAction"`
	DefaultErrnoRet  *uint                    `json:"defaultErrnoRet,omitempty"`
	DefaultErrno     string                   `json:"defaultErrno,omitempty"`
	Architectures    []specs.Arch             `json:"architectures,omitempty"`
	ArchMap          []ArchMapEntry           `json:"archMap,omitempty"`
	Syscalls         []Syscall                `json:"syscalls,omitempty"`
	Flags            []specs.LinuxSeccompFlag `json:"flags,omitempty"`
	ListenerPath     string                   `json:"listenerPath,omitempty"`
	ListenerMetadata string                   `json:"listenerMetadata,omitempty"`
}

// ArchMapEntry is one element of Docker's archMap: a native architecture and
// the ABIs its kernel also runs.
type ArchMapEntry struct {
	Arch      specs.Arch   `json:"architecture"`
	SubArches []specs.Arch `json:"subArchitectures"`
}

// Syscall is one rule: the OCI fields plus Docker's name, comment and
// includes/excludes.
type Syscall struct {
	specs.LinuxSyscall
	Name     string  `json:"name,omitempty"`
	Comment  string  `json:"comment,omitempty"`
	Includes *Filter `json:"includes,omitempty"`
	Excludes *Filter `json:"excludes,omitempty"`
}

// Filter is Docker's includes/excludes: a rule is kept when the native
// architecture (libseccomp's name: amd64, x86, arm64, ...), the capability
// set and the kernel version match (includes) or do not (excludes).
type Filter struct {
	Arches    []string `json:"arches,omitempty"`
	Caps      []string `json:"caps,omitempty"`
	MinKernel string   `json:"minKernel,omitempty"`
}

// Error is a rejected profile: where (line:col, JSON path) and why.
type Error struct {
	File      string // from ImportOptions.Filename; may be empty
	Line, Col int    // 1-based; 0 when unknown
	Path      string // JSON path of the offending value, e.g. syscalls[12].args[0].op
	Msg       string
}

func (e *Error) Error() string { return formatPos(e.File, e.Line, e.Col, e.Path) + e.Msg }

// Warning is something imported or exported with a loss or a caveat: the
// result is usable, but not everything in the input is in it.
type Warning struct {
	File      string
	Line, Col int
	Path      string
	Msg       string
}

func (w Warning) String() string {
	return formatPos(w.File, w.Line, w.Col, w.Path) + "warning: " + w.Msg
}

func formatPos(file string, line, col int, path string) string {
	var b strings.Builder
	if file != "" {
		b.WriteString(file)
		b.WriteString(":")
	}
	if line > 0 {
		fmt.Fprintf(&b, "%d:%d:", line, col)
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if path != "" {
		b.WriteString(path)
		b.WriteString(": ")
	}
	return b.String()
}

// Errors is every error of one profile, in input order.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// reader turns the position-carrying tree into a Profile, recording the
// offset of every value by path and collecting errors and warnings.
type reader struct {
	data  []byte
	lines lineIndex
	file  string
	pos   map[string]int // path -> byte offset of the value
	errs  Errors
	warns []Warning
}

func (r *reader) at(_ string, off int) (line, col int) {
	if off < 0 {
		return 0, 0
	}
	if r.lines == nil {
		r.lines = newLineIndex(r.data)
	}
	return r.lines.lineCol(r.data, off)
}

// offset is the position of path, or of its nearest ancestor when the
// value is missing (a required field points at its object).
func (r *reader) offset(path string) int {
	for {
		if off, ok := r.pos[path]; ok {
			return off
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			if off, ok := r.pos[""]; ok && path != "" {
				return off
			}
			return -1
		}
		path = path[:i]
	}
}

func (r *reader) errorf(path string, format string, args ...any) {
	line, col := r.at(path, r.offset(path))
	r.errs = append(r.errs, &Error{File: r.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func (r *reader) warnf(path string, format string, args ...any) {
	line, col := r.at(path, r.offset(path))
	r.warns = append(r.warns, Warning{File: r.file, Line: line, Col: col, Path: path, Msg: fmt.Sprintf(format, args...)})
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

// fields visits the members of an object, warning about unknown and
// duplicate keys. known maps each accepted key to its handler.
func (r *reader) fields(n *node, path string, known map[string]func(*node, string)) bool {
	r.pos[path] = n.off
	if n.kind != kindObject {
		r.errorf(path, "expected an object, found %s", n.kind)
		return false
	}
	seen := map[string]bool{}
	names := make([]string, 0, len(known))
	for k := range known {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, m := range n.members {
		p := join(path, m.key)
		r.pos[p] = m.val.off
		h, ok := known[m.key]
		if !ok {
			r.pos[p] = m.keyOff
			hint := ""
			if s, ok := syscalls.Nearest(m.key, names); ok {
				hint = fmt.Sprintf(" (did you mean %q?)", s)
			}
			r.warnf(p, "unknown field %q ignored, as Docker and runc ignore it%s", m.key, hint)
			continue
		}
		if seen[m.key] {
			r.warnf(p, "duplicate field %q: the last one counts, as in Go's encoding/json", m.key)
		}
		seen[m.key] = true
		h(m.val, p)
	}
	return true
}

func (r *reader) str(n *node, path string, dst *string) {
	r.pos[path] = n.off
	switch n.kind {
	case kindNull:
	case kindString:
		*dst = n.text
	default:
		r.errorf(path, "expected a string, found %s", n.kind)
	}
}

func (r *reader) strs(n *node, path string, dst *[]string) {
	r.pos[path] = n.off
	switch n.kind {
	case kindNull:
		return
	case kindArray:
	default:
		r.errorf(path, "expected an array of strings, found %s", n.kind)
		return
	}
	out := make([]string, len(n.elems))
	for i, e := range n.elems {
		r.str(e, index(path, i), &out[i])
	}
	*dst = out
}

// uint64Val reads a non-negative integer that fits in bits bits.
func (r *reader) uintVal(n *node, path string, bits int) (uint64, bool) {
	r.pos[path] = n.off
	if n.kind != kindNumber {
		r.errorf(path, "expected a number, found %s", n.kind)
		return 0, false
	}
	v, err := strconv.ParseUint(n.text, 10, bits)
	if err != nil {
		if strings.HasPrefix(n.text, "-") {
			r.errorf(path, "%s is negative: write the value as an unsigned %d-bit number (for a C int -1, write %d)", n.text, bits, uint64(1)<<32-1)
		} else {
			r.errorf(path, "%s is not an unsigned %d-bit integer", n.text, bits)
		}
		return 0, false
	}
	return v, true
}

func (r *reader) optUint(n *node, path string, dst **uint) {
	if n.kind == kindNull {
		r.pos[path] = n.off
		return
	}
	if v, ok := r.uintVal(n, path, 32); ok {
		u := uint(v)
		*dst = &u
	}
}

func (r *reader) profile(n *node) *Profile {
	p := &Profile{}
	arches := func(n *node, path string, dst *[]specs.Arch) {
		var ss []string
		r.strs(n, path, &ss)
		for _, s := range ss {
			*dst = append(*dst, specs.Arch(s))
		}
	}
	ok := r.fields(n, "", map[string]func(*node, string){
		"defaultAction":   func(n *node, p2 string) { r.str(n, p2, (*string)(&p.DefaultAction)) },
		"defaultErrnoRet": func(n *node, p2 string) { r.optUint(n, p2, &p.DefaultErrnoRet) },
		"defaultErrno":    func(n *node, p2 string) { r.str(n, p2, &p.DefaultErrno) },
		"architectures":   func(n *node, p2 string) { arches(n, p2, &p.Architectures) },
		"archMap": func(n *node, p2 string) {
			r.pos[p2] = n.off
			if n.kind == kindNull {
				return
			}
			if n.kind != kindArray {
				r.errorf(p2, "expected an array, found %s", n.kind)
				return
			}
			p.ArchMap = make([]ArchMapEntry, len(n.elems))
			for i, e := range n.elems {
				ent := &p.ArchMap[i]
				r.fields(e, index(p2, i), map[string]func(*node, string){
					"architecture":     func(n *node, p3 string) { r.str(n, p3, (*string)(&ent.Arch)) },
					"subArchitectures": func(n *node, p3 string) { arches(n, p3, &ent.SubArches) },
				})
			}
		},
		"syscalls": func(n *node, p2 string) {
			r.pos[p2] = n.off
			if n.kind == kindNull {
				return
			}
			if n.kind != kindArray {
				r.errorf(p2, "expected an array of rules, found %s", n.kind)
				return
			}
			p.Syscalls = make([]Syscall, len(n.elems))
			for i, e := range n.elems {
				r.syscall(e, index(p2, i), &p.Syscalls[i])
			}
		},
		"flags": func(n *node, p2 string) {
			var ss []string
			r.strs(n, p2, &ss)
			for _, s := range ss {
				p.Flags = append(p.Flags, specs.LinuxSeccompFlag(s))
			}
		},
		"listenerPath":     func(n *node, p2 string) { r.str(n, p2, &p.ListenerPath) },
		"listenerMetadata": func(n *node, p2 string) { r.str(n, p2, &p.ListenerMetadata) },
	})
	if !ok {
		return nil
	}
	return p
}

func (r *reader) syscall(n *node, path string, s *Syscall) {
	filter := func(n *node, p string, dst **Filter) {
		if n.kind == kindNull {
			r.pos[p] = n.off
			return
		}
		f := &Filter{}
		if r.fields(n, p, map[string]func(*node, string){
			"arches":    func(n *node, p2 string) { r.strs(n, p2, &f.Arches) },
			"caps":      func(n *node, p2 string) { r.strs(n, p2, &f.Caps) },
			"minKernel": func(n *node, p2 string) { r.str(n, p2, &f.MinKernel) },
		}) {
			*dst = f
		}
	}
	r.fields(n, path, map[string]func(*node, string){
		"names":    func(n *node, p string) { r.strs(n, p, &s.Names) },
		"name":     func(n *node, p string) { r.str(n, p, &s.Name) },
		"action":   func(n *node, p string) { r.str(n, p, (*string)(&s.Action)) },
		"errnoRet": func(n *node, p string) { r.optUint(n, p, &s.ErrnoRet) },
		"comment":  func(n *node, p string) { r.str(n, p, &s.Comment) },
		"includes": func(n *node, p string) { filter(n, p, &s.Includes) },
		"excludes": func(n *node, p string) { filter(n, p, &s.Excludes) },
		"args": func(n *node, p string) {
			r.pos[p] = n.off
			if n.kind == kindNull {
				return
			}
			if n.kind != kindArray {
				r.errorf(p, "expected an array of argument conditions, found %s", n.kind)
				return
			}
			s.Args = make([]specs.LinuxSeccompArg, len(n.elems))
			for i, e := range n.elems {
				a := &s.Args[i]
				ap := index(p, i)
				r.fields(e, ap, map[string]func(*node, string){
					"index": func(n *node, p2 string) {
						if v, ok := r.uintVal(n, p2, 32); ok {
							a.Index = uint(v)
						}
					},
					"value": func(n *node, p2 string) {
						if v, ok := r.uintVal(n, p2, 64); ok {
							a.Value = v
						}
					},
					"valueTwo": func(n *node, p2 string) {
						if v, ok := r.uintVal(n, p2, 64); ok {
							a.ValueTwo = v
						}
					},
					"op": func(n *node, p2 string) { r.str(n, p2, (*string)(&a.Op)) },
				})
			}
		},
	})
}
