// Package seccomp is ringfence's filter compiler: the intermediate
// representation every front end produces (ringfence policies, OCI/Docker
// JSON profiles, learned policies), a direct evaluator of it (Decide, the
// reference the compiled program is tested against), the optimizer and BPF
// code generation, and installation of a program into a process.
//
// Semantics of a Policy, which Decide implements and Compile must preserve:
//
//  1. ABI. seccomp_data.arch selects the ABI; on x86_64, a syscall number
//     with bit 30 set is an x32 call. An ABI not in Policy.Arches gets
//     Policy.BadArch (kill-process unless the policy says otherwise).
//  2. Name. The number is looked up in that ABI's table. A number the
//     tables do not know gets Policy.Unknown when set (ENOSYS lets libc and
//     runtimes fall back, e.g. clone3 -> clone), else Policy.Default.
//  3. Rules. Every rule for that syscall name whose arch guard admits the
//     ABI and whose condition holds matches. No match: Policy.Default. Several
//     matches: the strictest action wins (Action.Stricter: the kernel's own
//     order for stacked filters), so the meaning of a policy never depends on
//     the order of its rules or includes.
//
// On 32-bit ABIs (i386, arm) only the low 32 bits of each argument exist;
// Decide and the compiled filter both ignore the high halves there.
//
// Argument comparisons follow Cmp: 64-bit by default, both halves compared;
// Width32 compares only the low half, for C int arguments whose upper half
// the kernel ignores (and an attacker may fill with garbage).
//
// # The compiled program
//
// Compile lays the program out as follows; each numbered part only jumps
// forward into later parts or to a return, and no fragment falls through
// into code it does not own.
//
//  1. Architecture: load seccomp_data.arch, one JEQ per admitted audit arch
//     (in Policy.Arches order) to that arch's dispatch; any other value
//     returns BadArch.
//  2. Dispatch, per audit arch: load seccomp_data.nr; one JEQ per hot
//     syscall (Options.Hot, learned frequency order); then a binary search
//     over the whole unsigned 32-bit number space cut into maximal ranges of
//     consecutive numbers that share a decision (a run of default-action
//     syscalls and the gaps between them is one range). On
//     AUDIT_ARCH_X86_64 numbers with bit 30 set belong to x32 and the rest
//     to x86_64, exactly as ResolveABI says; the half of an ABI that is not
//     admitted returns BadArch. Numbers no table knows (gaps, numbers past
//     the table, numbers that are negative as int32) return Unknown when
//     set, else Default. The search splits by weight, not count (a syscall
//     of the first admitted ABI weighs nativeWeight, another ABI's syscall
//     or a gap 1), so the primary ABI's syscalls are reached in fewer
//     comparisons; any range is reached in O(log n) comparisons.
//  3. Leaves: a range whose decision does not depend on the arguments is a
//     jump straight to its RET. Its path loads only arch and nr, never an
//     argument or the instruction pointer, so the kernel's action cache
//     (which emulates the filter per syscall number with unknown arguments)
//     records allowed syscalls as always allowed and skips the filter for
//     them. A syscall with argument conditions gets a decision procedure:
//     its rules grouped by action, strictest action first (Decide's
//     "strictest match wins" as first match), each group a boolean test
//     that returns its action, then the fallback (Default, or the strictest
//     unconditional rule). Identical procedures are shared between syscalls.
//  4. Comparisons: a 64-bit argument is compared high word, then low word;
//     <, <=, >, >= decide on the high word unless it is equal. Signed order
//     XORs the sign bit into the high word (Width32: the low word) on both
//     sides, which turns it into unsigned order. Width32 compares the low
//     word only. On 32-bit ABIs (i386, arm) the high word is taken as 0, so
//     its test is decided at compile time and never loaded. Masked equality
//     tests a single bit with JSET and other masks with ALU AND.
//
// The code generator (emit.go) writes the program backwards, so every jump
// target exists when the jump is written: it reuses the nearest RET with the
// same value when a conditional jump reaches it (else places a copy), threads
// jumps past loads of a word the accumulator already holds, inserts "ja"
// trampolines for targets beyond 255 instructions and finally drops
// instructions no path reaches. bpf.Builder, with forward labels, is the tool
// for hand-written programs; the compiler needs distances and accumulator
// contents at emission time, which only backward emission gives for free.
//
// Before code generation each syscall's rule set goes through the optimizer:
// small pure passes over condition trees and rule sets, in a fixed order
// whose reasons are written beside the lists (exprPasses and setPasses in
// simplify.go). Options.NoOptimize turns them (and sharing and threading)
// off; the differential tests check both forms against Decide.
//
// The output is deterministic: the same policy and options give the same
// bytes. Programs longer than the kernel's 4096 instructions are an error that
// says by how much and what to change.
//
// Not filterable: recent kernels (6.14 and later for uretprobe; uprobe on
// the 6.18 kernel this was tested on, x86_64 numbers 335 and 336) run these
// two syscalls without consulting seccomp on the native arch, so that
// uprobes work in sandboxed processes; a policy cannot deny them. Outside the
// uprobe trampoline they fail (uretprobe kills the caller with SIGILL).
package seccomp

import (
	"fmt"
	"strings"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// Op is an argument comparison operator.
type Op uint8

const (
	OpInvalid  Op = iota
	OpEq          // arg == Value
	OpNe          // arg != Value
	OpLt          // arg <  Value
	OpLe          // arg <= Value
	OpGt          // arg >  Value
	OpGe          // arg >= Value
	OpMaskedEq    // arg & Mask == Value
)

var opNames = [...]string{OpInvalid: "?", OpEq: "==", OpNe: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=", OpMaskedEq: "&=="}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", uint8(o))
}

// Expr is a condition on a syscall's arguments: Cmp, And, Or, Not or True.
type Expr interface {
	// Eval evaluates the condition on raw argument values.
	Eval(args *[6]uint64) bool
	String() string
}

// Cmp compares one argument with a constant.
type Cmp struct {
	Arg     uint8 // 0..5
	Op      Op
	Value   uint64
	Mask    uint64 // OpMaskedEq only
	Width32 bool   // compare the low 32 bits only (C int / unsigned int)
	Signed  bool   // signed order for <, <=, >, >= (int32 when Width32, else int64)
}

// And holds when every member holds (true when empty).
type And []Expr

// Or holds when any member holds (false when empty).
type Or []Expr

// Not negates X.
type Not struct{ X Expr }

// True always holds: the condition of an unconditional rule.
type True struct{}

func (c Cmp) operand(args *[6]uint64) (x, v uint64) {
	x, v = args[c.Arg], c.Value
	if c.Width32 {
		x, v = uint64(uint32(x)), uint64(uint32(v))
	}
	return x, v
}

// Eval implements Expr.
func (c Cmp) Eval(args *[6]uint64) bool {
	x, v := c.operand(args)
	switch c.Op {
	case OpEq:
		return x == v
	case OpNe:
		return x != v
	case OpMaskedEq:
		m := c.Mask
		if c.Width32 {
			m = uint64(uint32(m))
		}
		return x&m == v
	}
	var less, equal bool
	switch {
	case c.Signed && c.Width32:
		less, equal = int32(x) < int32(v), int32(x) == int32(v)
	case c.Signed:
		less, equal = int64(x) < int64(v), x == v
	default:
		less, equal = x < v, x == v
	}
	switch c.Op {
	case OpLt:
		return less
	case OpLe:
		return less || equal
	case OpGt:
		return !less && !equal
	case OpGe:
		return !less
	}
	return false
}

func (c Cmp) String() string {
	w := ""
	if c.Width32 {
		w = "32"
	}
	s := ""
	if c.Signed {
		s = "s"
	}
	if c.Op == OpMaskedEq {
		return fmt.Sprintf("arg%d%s & %#x == %#x", c.Arg, w, c.Mask, c.Value)
	}
	return fmt.Sprintf("arg%d%s %s%s %#x", c.Arg, w, s, c.Op, c.Value)
}

// Eval implements Expr.
func (e And) Eval(args *[6]uint64) bool {
	for _, x := range e {
		if !x.Eval(args) {
			return false
		}
	}
	return true
}

// Eval implements Expr.
func (e Or) Eval(args *[6]uint64) bool {
	for _, x := range e {
		if x.Eval(args) {
			return true
		}
	}
	return false
}

// Eval implements Expr.
func (e Not) Eval(args *[6]uint64) bool { return !e.X.Eval(args) }

// Eval implements Expr.
func (True) Eval(*[6]uint64) bool { return true }

func (e And) String() string { return join(e, " && ", "true") }
func (e Or) String() string  { return join(e, " || ", "false") }
func (e Not) String() string { return "!(" + e.X.String() + ")" }
func (True) String() string  { return "true" }

func join(xs []Expr, sep, empty string) string {
	if len(xs) == 0 {
		return empty
	}
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = "(" + x.String() + ")"
	}
	return strings.Join(parts, sep)
}

// Rule gives Action to a syscall when its condition holds.
type Rule struct {
	Syscall string          // name as in the tables
	Arches  []syscalls.Arch // arch guard; empty = every admitted ABI
	When    Expr            // nil = always
	Action  Action
	Source  string // where the rule came from ("app.policy:12:1"), for explain and reports
}

// Policy is the compiler's input.
type Policy struct {
	Default Action
	// Arches are the admitted ABIs; the first is the one the filter checks
	// first. Empty means the native ABI only.
	Arches []syscalls.Arch
	// BadArch is the action for any other ABI (zero value: kill-process).
	BadArch Action
	// Unknown, when set, is the action for syscall numbers of an admitted ABI
	// that the tables do not know (newer than the tables, or gaps).
	Unknown *Action
	Rules   []Rule
	// Hot lists syscalls to test first, most frequent first (from learn
	// mode). It changes the layout of the program, never a decision.
	Hot []string
}

// AdmittedArches returns Arches, or the native ABI when none is given.
func (p *Policy) AdmittedArches() []syscalls.Arch {
	if len(p.Arches) == 0 {
		return []syscalls.Arch{syscalls.Native}
	}
	return p.Arches
}

// BadArchAction returns BadArch, defaulting to kill-process.
func (p *Policy) BadArchAction() Action {
	if p.BadArch.Kind == ActInvalid {
		return KillProcess
	}
	return p.BadArch
}

// Decision is the outcome of Decide.
type Decision struct {
	Action Action
	ABI    syscalls.Arch // ArchInvalid when the arch was not admitted
	Name   string        // "" when the number is unknown
	Rule   *Rule         // the rule that decided; nil for a default
	Reason string        // "rule", "default", "unknown syscall", "arch not admitted"
}

// ResolveABI maps seccomp_data's arch and number to an admitted ABI.
func ResolveABI(admitted []syscalls.Arch, auditArch uint32, nr int32) (syscalls.Arch, bool) {
	for _, a := range admitted {
		if a.AuditArch() != auditArch {
			continue
		}
		isX32 := auditArch == syscalls.AuditArchX86_64 && uint32(nr)&syscalls.X32SyscallBit != 0
		if (a == syscalls.ArchX32) == isX32 {
			return a, true
		}
	}
	return syscalls.ArchInvalid, false
}

// Decide evaluates the policy directly on one seccomp_data: the reference
// semantics the compiled BPF program must agree with.
func (p *Policy) Decide(d bpf.SeccompData) Decision {
	abi, ok := ResolveABI(p.AdmittedArches(), d.Arch, d.Nr)
	if !ok {
		return Decision{Action: p.BadArchAction(), Reason: "arch not admitted"}
	}
	name, known := syscalls.Name(abi, int(d.Nr))
	if !known {
		if p.Unknown != nil {
			return Decision{Action: *p.Unknown, ABI: abi, Reason: "unknown syscall"}
		}
		return Decision{Action: p.Default, ABI: abi, Reason: "default"}
	}
	if !abi.Is64Bit() {
		// 32-bit ABIs pass 32-bit registers: only the low halves are arguments.
		for i := range d.Args {
			d.Args[i] = uint64(uint32(d.Args[i]))
		}
	}
	best := Decision{Action: p.Default, ABI: abi, Name: name, Reason: "default"}
	for i := range p.Rules {
		r := &p.Rules[i]
		if r.Syscall != name || !r.admits(abi) || (r.When != nil && !r.When.Eval(&d.Args)) {
			continue
		}
		if best.Rule == nil || r.Action.Stricter(best.Action) {
			best = Decision{Action: r.Action, ABI: abi, Name: name, Rule: r, Reason: "rule"}
		}
	}
	return best
}

func (r *Rule) admits(a syscalls.Arch) bool {
	if len(r.Arches) == 0 {
		return true
	}
	for _, x := range r.Arches {
		if x == a {
			return true
		}
	}
	return false
}

// EachCmp calls fn for every comparison in x, depth first (nil and True
// have none). Analyses that need the values a condition names use it.
func EachCmp(x Expr, fn func(Cmp)) {
	switch e := x.(type) {
	case Cmp:
		fn(e)
	case And:
		for _, m := range e {
			EachCmp(m, fn)
		}
	case Or:
		for _, m := range e {
			EachCmp(m, fn)
		}
	case Not:
		EachCmp(e.X, fn)
	}
}
