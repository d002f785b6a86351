// Package learn writes a policy from observed behaviour. The sandbox runs
// the program under a filter that notifies every syscall (audit.Everything)
// and lets each continue; a Recorder counts the calls and keeps the values of
// the arguments that matter for security (socket domains and types, clone
// flags, ioctl requests, prctl options, personality values, open flags), and
// Policy turns the record into the smallest readable policy that admits
// exactly what was seen: whole groups where every member was used, argument
// conditions where they matter, and a `hot` list of the most frequent
// syscalls for the compiler to test first.
package learn

import (
	"sort"
	"sync"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// argWatch says which argument of a syscall learn keeps, and how it becomes
// a condition.
type argWatch struct {
	arg  uint8
	kind watchKind
	mask uint64 // for watchMasked: the enumerated part of the value
}

type watchKind uint8

const (
	watchEnum   watchKind = iota // arg == v1 || arg == v2 ...
	watchFlags                   // arg in (v1|v2|...): no flag beyond those seen
	watchMasked                  // (arg & mask) == v ... for enum+flags values (socket type)
)

// watched is data: the arguments whose values a learned policy pins down.
var watched = map[string][]argWatch{
	"socket":      {{arg: 0, kind: watchEnum}, {arg: 1, kind: watchMasked, mask: 0xf}},
	"socketpair":  {{arg: 0, kind: watchEnum}, {arg: 1, kind: watchMasked, mask: 0xf}},
	"clone":       {{arg: 0, kind: watchFlags}},
	"unshare":     {{arg: 0, kind: watchFlags}},
	"ioctl":       {{arg: 1, kind: watchEnum}},
	"prctl":       {{arg: 0, kind: watchEnum}},
	"personality": {{arg: 0, kind: watchEnum}},
	"open":        {{arg: 1, kind: watchFlags}},
	"openat":      {{arg: 2, kind: watchFlags}},
	"creat":       {{arg: 1, kind: watchFlags}},
	"fcntl":       {{arg: 1, kind: watchEnum}},
	"setsockopt":  {{arg: 1, kind: watchEnum}},
	"kill":        {{arg: 1, kind: watchEnum}},
}

type key struct {
	abi  syscalls.Arch
	name string
}

// Recorder accumulates observed syscalls. It is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	counts map[key]uint64
	values map[key][]map[uint64]bool // per watched argument: the values seen
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder {
	return &Recorder{counts: map[key]uint64{}, values: map[key][]map[uint64]bool{}}
}

// Record notes one syscall.
func (r *Recorder) Record(abi syscalls.Arch, name string, args [6]uint64) {
	if name == "" {
		return
	}
	k := key{abi, name}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.counts[k]++
	ws := watched[name]
	if len(ws) == 0 {
		return
	}
	sets := r.values[k]
	if sets == nil {
		sets = make([]map[uint64]bool, len(ws))
		for i := range sets {
			sets[i] = map[uint64]bool{}
		}
		r.values[k] = sets
	}
	for i, w := range ws {
		v := args[w.arg]
		if widthOf(name, w.arg) {
			v = uint64(uint32(v))
		}
		sets[i][v] = true
	}
}

// Counts returns how often each syscall was seen, by name (all ABIs).
func (r *Recorder) Counts() map[string]uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]uint64{}
	for k, n := range r.counts {
		out[k.name] += n
	}
	return out
}

// widthOf reports whether an argument is a C int/unsigned: compared on its
// low 32 bits (the language does the same, see docs/policy.md).
func widthOf(name string, arg uint8) bool {
	specs := syscalls.Args(name)
	if int(arg) >= len(specs) {
		return false
	}
	switch specs[arg].Kind {
	case syscalls.ArgInt, syscalls.ArgUint, syscalls.ArgFD:
		return true
	}
	return false
}

// Options shape the learned policy.
type Options struct {
	Default seccomp.Action // for everything not seen; zero: errno(EPERM)
	Hot     int            // how many of the most frequent syscalls to list as hot; 0: 16
}

// Policy returns the policy that admits what was recorded.
func (r *Recorder) Policy(opts Options) *seccomp.Policy {
	r.mu.Lock()
	defer r.mu.Unlock()
	def := opts.Default
	if def.Kind == seccomp.ActInvalid {
		def = seccomp.Errno(1)
	}
	unknown := seccomp.Errno(38) // ENOSYS: let libc fall back for syscalls newer than the tables
	p := &seccomp.Policy{Default: def, Unknown: &unknown}
	abis := map[syscalls.Arch]bool{}
	keys := make([]key, 0, len(r.counts))
	for k := range r.counts {
		keys = append(keys, k)
		abis[k.abi] = true
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].name != keys[j].name {
			return keys[i].name < keys[j].name
		}
		return keys[i].abi < keys[j].abi
	})
	for _, a := range syscalls.Arches {
		if abis[a] {
			p.Arches = append(p.Arches, a)
		}
	}
	for _, k := range keys {
		rule := seccomp.Rule{Syscall: k.name, Action: seccomp.Allow, Source: "learned"}
		if len(abis) > 1 {
			rule.Arches = []syscalls.Arch{k.abi}
		}
		if sets := r.values[k]; sets != nil {
			rule.When = condition(k.name, watched[k.name], sets)
		}
		p.Rules = append(p.Rules, rule)
	}
	p.Hot = hottest(r.counts, opts.Hot)
	return p
}

// condition builds the And of one test per watched argument.
func condition(name string, ws []argWatch, sets []map[uint64]bool) seccomp.Expr {
	var and seccomp.And
	for i, w := range ws {
		vals := sortedValues(sets[i])
		w32 := widthOf(name, w.arg)
		switch w.kind {
		case watchFlags:
			var union uint64
			for _, v := range vals {
				union |= v
			}
			and = append(and, seccomp.Cmp{Arg: w.arg, Op: seccomp.OpMaskedEq, Mask: ^union, Value: 0, Width32: w32})
		case watchEnum:
			and = append(and, anyOf(vals, func(v uint64) seccomp.Expr {
				return seccomp.Cmp{Arg: w.arg, Op: seccomp.OpEq, Value: v, Width32: w32}
			}))
		case watchMasked:
			seen := map[uint64]bool{}
			var enum []uint64
			var flags uint64
			for _, v := range vals {
				if !seen[v&w.mask] {
					seen[v&w.mask] = true
					enum = append(enum, v&w.mask)
				}
				flags |= v &^ w.mask
			}
			if flags == 0 {
				// No flag was ever set: the value is one of the enumerations.
				and = append(and, anyOf(enum, func(v uint64) seccomp.Expr {
					return seccomp.Cmp{Arg: w.arg, Op: seccomp.OpEq, Value: v, Width32: w32}
				}))
				break
			}
			and = append(and, anyOf(enum, func(v uint64) seccomp.Expr {
				return seccomp.Cmp{Arg: w.arg, Op: seccomp.OpMaskedEq, Mask: w.mask, Value: v, Width32: w32}
			}))
			and = append(and, seccomp.Cmp{Arg: w.arg, Op: seccomp.OpMaskedEq, Mask: ^(w.mask | flags), Value: 0, Width32: w32})
		}
	}
	if len(and) == 1 {
		return and[0]
	}
	return and
}

func anyOf(vals []uint64, test func(uint64) seccomp.Expr) seccomp.Expr {
	if len(vals) == 1 {
		return test(vals[0])
	}
	or := make(seccomp.Or, len(vals))
	for i, v := range vals {
		or[i] = test(v)
	}
	return or
}

func sortedValues(set map[uint64]bool) []uint64 {
	out := make([]uint64, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// hottest lists the n most frequent syscalls, most frequent first.
func hottest(counts map[key]uint64, n int) []string {
	if n == 0 {
		n = 16
	}
	byName := map[string]uint64{}
	for k, c := range counts {
		byName[k.name] += c
	}
	names := make([]string, 0, len(byName))
	for name := range byName {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if byName[names[i]] != byName[names[j]] {
			return byName[names[i]] > byName[names[j]]
		}
		return names[i] < names[j]
	})
	if len(names) > n {
		names = names[:n]
	}
	return names
}
