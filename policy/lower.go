package policy

// Lowering of conditions and values: argument references with their widths,
// comparisons, and constant expressions evaluated per ABI.

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// condCtx is the syscall (and ABI) a condition is lowered for.
type condCtx struct {
	syscall string
	args    []syscalls.ArgSpec
	abi     syscalls.Arch
	macros  []string // condition defines being expanded, for cycles
	nodes   int      // nodes lowered so far, against maxCondNodes
}

// maxCondNodes bounds a condition after expanding its defines: macros that
// use each other twice over grow exponentially.
const maxCondNodes = 10000

// cond lowers a condition expression to the IR.
func (r *resolver) cond(e Expr, c *condCtx) seccomp.Expr {
	if c.nodes++; c.nodes > maxCondNodes {
		if c.nodes == maxCondNodes+1 {
			r.errs.add(&Error{Pos: e.Pos(), Msg: fmt.Sprintf("condition has more than %d parts once its defines are expanded", maxCondNodes),
				Expected: "a smaller condition (a seccomp filter holds at most 4096 instructions)"})
		}
		return nil
	}
	switch e := e.(type) {
	case *Paren:
		return r.cond(e.X, c)
	case *Unary:
		if e.Op == OpNot {
			x := r.cond(e.X, c)
			if x == nil {
				return nil
			}
			return seccomp.Not{X: x}
		}
	case *Binary:
		switch e.Op {
		case OpOrOr, OpAndAnd:
			x, y := r.cond(e.X, c), r.cond(e.Y, c)
			if x == nil || y == nil {
				return nil
			}
			if e.Op == OpOrOr {
				return flatten[seccomp.Or](x, y)
			}
			return flatten[seccomp.And](x, y)
		case OpBitAnd:
			// `arg & MASK` alone: true when any of the mask's bits is set.
			cmp, ok := r.compare(&Binary{At: e.At, Op: OpNe, X: e, Y: &Number{At: e.At, Text: "0"}}, c)
			if !ok {
				return nil
			}
			return cmp
		}
		if e.Op.isCompare() {
			cmp, ok := r.compare(e, c)
			if !ok {
				return nil
			}
			return cmp
		}
	case *Ident:
		if d, ok := r.defines[e.Name]; ok {
			kind := r.classify(d)
			if kind != defCond {
				if kind != defBad {
					r.errs.errorf(e.At, "%s is %s, not a condition (defined at %s)", e.Name, defKindNames[kind], d.stmt.Name.At)
				}
				return nil
			}
			if slices.Contains(c.macros, e.Name) {
				r.errs.errorf(e.At, "condition %s uses itself", e.Name)
				return nil
			}
			c.macros = append(c.macros, e.Name)
			x := r.cond(d.stmt.Value, c)
			c.macros = c.macros[:len(c.macros)-1]
			return x
		}
		if _, ok := r.argRef(e, c, false); ok {
			r.errs.add(&Error{Pos: e.At, Msg: fmt.Sprintf("%s alone is not a condition", e.Name),
				Expected: fmt.Sprintf("a comparison, for example %s != 0", e.Name)})
			return nil
		}
		r.argRef(e, c, true)
		return nil
	}
	r.errs.add(&Error{Pos: e.Pos(), Msg: "expected a condition",
		Expected: "a comparison such as flags == O_RDONLY, joined with && || ! and parentheses"})
	return nil
}

// flatten joins x and y into one And or Or, merging nested ones.
func flatten[T seccomp.And | seccomp.Or](x, y seccomp.Expr) seccomp.Expr {
	var out T
	for _, e := range []seccomp.Expr{x, y} {
		if t, ok := e.(T); ok {
			out = append(out, t...)
		} else {
			out = append(out, e)
		}
	}
	return any(out).(seccomp.Expr)
}

// isArgN reports whether name is "arg" and a decimal index (arg0, arg12).
func isArgN(name string) bool {
	digits, ok := strings.CutPrefix(name, "arg")
	return ok && digits != "" && strings.Trim(digits, "0123456789") == ""
}

// argInfo is a resolved argument reference.
type argInfo struct {
	index   uint8
	spec    *syscalls.ArgSpec // nil for argN beyond the table
	width32 bool
	signed  bool
}

// defaultWidth is the language's rule for comparing an argument: C int,
// unsigned int and file descriptors compare their low 32 bits (the kernel
// truncates them, so the upper half is garbage an attacker controls); int
// and fd order signed. Everything else compares 64 bits unsigned.
func defaultWidth(spec *syscalls.ArgSpec) (width32, signed bool) {
	if spec == nil {
		return false, false
	}
	switch spec.Kind {
	case syscalls.ArgInt, syscalls.ArgFD:
		return true, true
	case syscalls.ArgUint:
		return true, false
	}
	return false, false
}

func (r *resolver) argRef(e *Ident, c *condCtx, report bool) (argInfo, bool) {
	var info argInfo
	found := false
	for i := range c.args {
		if c.args[i].Name == e.Name {
			info = argInfo{index: uint8(i), spec: &c.args[i]}
			found = true
			break
		}
	}
	if !found && isArgN(e.Name) {
		n, err := strconv.Atoi(e.Name[3:])
		if err != nil || n > 5 {
			if report {
				r.errs.add(&Error{Pos: e.At, Msg: fmt.Sprintf("argument index %s is out of range", e.Name[3:]),
					Expected: "arg0 .. arg5 (a syscall has at most six arguments)"})
			}
			return info, false
		}
		info = argInfo{index: uint8(n)}
		if n < len(c.args) {
			info.spec = &c.args[n]
		}
		found = true
	}
	if !found {
		if report {
			var names []string
			for _, a := range c.args {
				names = append(names, a.Name)
			}
			exp := "arg0 .. arg5"
			if len(names) > 0 {
				exp = strings.Join(names, ", ") + " (or arg0 .. arg5)"
			}
			msg := fmt.Sprintf("%s has no argument %q", c.syscall, e.Name)
			if _, ok := syscalls.Constant(e.Name); ok {
				msg = fmt.Sprintf("%s is a constant; the left side of a comparison is an argument of %s", e.Name, c.syscall)
			}
			r.errs.add(&Error{Pos: e.At, Msg: msg, Expected: exp, Suggest: suggest(e.Name, names)})
		}
		return info, false
	}
	info.width32, info.signed = defaultWidth(info.spec)
	switch e.Width {
	case "u32":
		info.width32, info.signed = true, false
	case "s32":
		info.width32, info.signed = true, true
	case "u64":
		info.width32, info.signed = false, false
	case "s64":
		info.width32, info.signed = false, true
	}
	return info, true
}

var cmpOps = map[Op]seccomp.Op{OpEq: seccomp.OpEq, OpNe: seccomp.OpNe, OpLt: seccomp.OpLt, OpLe: seccomp.OpLe, OpGt: seccomp.OpGt, OpGe: seccomp.OpGe}

// compare lowers `arg OP value`, `arg & mask OP value` and `arg in set`.
func (r *resolver) compare(e *Binary, c *condCtx) (seccomp.Expr, bool) {
	left := e.X
	for {
		p, ok := left.(*Paren)
		if !ok {
			break
		}
		left = p.X
	}
	var maskExpr Expr
	if b, ok := left.(*Binary); ok && b.Op == OpBitAnd {
		left, maskExpr = b.X, b.Y
	}
	id, ok := left.(*Ident)
	if !ok {
		r.errs.add(&Error{Pos: left.Pos(), Msg: "the left side of a comparison must be an argument",
			Expected: fmt.Sprintf("an argument name of %s or arg0 .. arg5", c.syscall)})
		return nil, false
	}
	arg, ok := r.argRef(id, c, true)
	if !ok {
		return nil, false
	}
	vc := valueCtx{spec: arg.spec, abi: c.abi}
	value, ok := r.constExpr(e.Y, vc)
	if !ok {
		return nil, false
	}
	if !r.fits(e.Y, value, arg, id) {
		return nil, false
	}
	cmp := seccomp.Cmp{Arg: arg.index, Value: value, Width32: arg.width32}
	if maskExpr != nil {
		mask, ok := r.constExpr(maskExpr, vc)
		if !ok || !r.fits(maskExpr, mask, arg, id) {
			return nil, false
		}
		if e.Op != OpEq && e.Op != OpNe {
			r.errs.add(&Error{Pos: e.At, Msg: fmt.Sprintf("a masked comparison takes == or !=, not %s", e.Op),
				Expected: "arg & MASK == VALUE or arg & MASK != VALUE"})
			return nil, false
		}
		cmp.Op, cmp.Mask = seccomp.OpMaskedEq, trunc(mask, arg.width32)
		cmp.Value = trunc(value, arg.width32)
		if cmp.Value&^cmp.Mask != 0 {
			r.errs.add(&Error{Pos: e.Y.Pos(), Msg: fmt.Sprintf("%#x has bits outside the mask %#x: the comparison can never be true", cmp.Value, cmp.Mask),
				Expected: "a value whose bits are all inside the mask"})
			return nil, false
		}
		if e.Op == OpNe {
			return seccomp.Not{X: cmp}, true
		}
		return cmp, true
	}
	cmp.Value = trunc(value, arg.width32)
	if e.Op == OpIn {
		cmp.Op, cmp.Mask, cmp.Value = seccomp.OpMaskedEq, trunc(^value, arg.width32), 0
		return cmp, true
	}
	cmp.Op = cmpOps[e.Op]
	if cmp.Op != seccomp.OpEq && cmp.Op != seccomp.OpNe {
		cmp.Signed = arg.signed
	}
	return cmp, true
}

func trunc(v uint64, width32 bool) uint64 {
	if width32 {
		return uint64(uint32(v))
	}
	return v
}

// fits checks that a constant means the same thing in a 32-bit comparison:
// 0..0xffffffff, or a negative number down to -2^31.
func (r *resolver) fits(at Expr, v uint64, arg argInfo, id *Ident) bool {
	if !arg.width32 || v <= math.MaxUint32 || int64(v) < 0 && int64(v) >= math.MinInt32 {
		return true
	}
	r.errs.add(&Error{Pos: at.Pos(), Msg: fmt.Sprintf("%s does not fit the 32-bit argument %s (the kernel only sees its low 32 bits)", signedText(v), id.Name),
		Expected: fmt.Sprintf("a value in -2147483648 .. 0xffffffff, or %s:u64 to compare all 64 bits", id.Name)})
	return false
}

// valueCtx is what a constant expression is evaluated for.
type valueCtx struct {
	spec       *syscalls.ArgSpec // the argument compared, for suggestions
	abi        syscalls.Arch     // ArchInvalid: x86_64 values
	errnoFirst bool              // inside errno(...)
}

// constExpr evaluates a constant expression: numbers, constants, errno
// names, constant defines, | & - ~ and parentheses.
func (r *resolver) constExpr(e Expr, vc valueCtx) (uint64, bool) {
	switch e := e.(type) {
	case *Number:
		v, err := strconv.ParseUint(e.Text, 0, 64)
		if err != nil {
			r.errs.errorf(e.At, "malformed number %q", e.Text)
			return 0, false
		}
		return v, true
	case *Paren:
		return r.constExpr(e.X, vc)
	case *Unary:
		v, ok := r.constExpr(e.X, vc)
		switch e.Op {
		case OpNeg:
			return -v, ok
		case OpCompl:
			return ^v, ok
		}
	case *Binary:
		switch e.Op {
		case OpBitOr, OpBitAnd:
			x, ok1 := r.constExpr(e.X, vc)
			y, ok2 := r.constExpr(e.Y, vc)
			if e.Op == OpBitOr {
				return x | y, ok1 && ok2
			}
			return x & y, ok1 && ok2
		}
	case *Ident:
		return r.constName(e, vc)
	}
	r.errs.add(&Error{Pos: e.Pos(), Msg: "expected a value", Expected: "a number, a constant such as O_RDONLY, or several joined with |"})
	return 0, false
}

func (r *resolver) constName(e *Ident, vc valueCtx) (uint64, bool) {
	if e.Width != "" {
		r.errs.errorf(e.At, "a width (:%s) applies to an argument, not to a value", e.Width)
		return 0, false
	}
	if d, ok := r.defines[e.Name]; ok {
		switch r.classify(d) {
		case defConst:
			if vc.abi != syscalls.ArchInvalid && vc.abi != syscalls.ArchX86_64 {
				// Re-evaluate (once per ABI): the define's constants may
				// differ on this ABI.
				if v, ok := d.perABI[vc.abi]; ok {
					return v, true
				}
				v, ok := r.constExpr(d.stmt.Value, valueCtx{abi: vc.abi})
				if ok {
					if d.perABI == nil {
						d.perABI = map[syscalls.Arch]uint64{}
					}
					d.perABI[vc.abi] = v
				}
				return v, ok
			}
			return d.value, true
		case defBad:
			return 0, false
		}
		r.errs.errorf(e.At, "%s is %s, not a constant (defined at %s)", e.Name, defKindNames[d.kind], d.stmt.Name.At)
		return 0, false
	}
	if vc.errnoFirst {
		if v, ok := syscalls.ErrnoValue(e.Name); ok {
			return uint64(v), true
		}
	}
	abi := vc.abi
	if abi == syscalls.ArchInvalid {
		abi = syscalls.ArchX86_64
	}
	if v, ok := syscalls.ConstantFor(abi, e.Name); ok {
		return v, true
	}
	if v, ok := syscalls.ErrnoValue(e.Name); ok {
		return uint64(v), true
	}
	msg := fmt.Sprintf("unknown constant %q", e.Name)
	if _, ok := syscalls.Constant(e.Name); ok {
		msg = fmt.Sprintf("constant %s does not exist on %s", e.Name, abi)
	}
	err := &Error{Pos: e.At, Msg: msg, Expected: "a constant, an errno name or a number"}
	if vc.errnoFirst {
		err.Msg = fmt.Sprintf("unknown errno %q", e.Name)
		err.Expected = fmt.Sprintf("an errno name such as EPERM or a number 0..%d", seccomp.MaxErrno)
		err.Suggest = suggest(e.Name, syscalls.ErrnoNames())
	} else {
		err.Suggest = suggest(e.Name, familyFirst(vc.spec))
		if err.Suggest == "" {
			err.Suggest = suggest(e.Name, r.allValueNames())
		}
	}
	r.errs.add(err)
	return 0, false
}

// familyFirst lists the constants of an argument's families.
func familyFirst(spec *syscalls.ArgSpec) []string {
	if spec == nil || len(spec.Consts) == 0 {
		return nil
	}
	return syscalls.ConstantsWithPrefix(spec.Consts...)
}

func (r *resolver) allValueNames() []string {
	out := slices.Clone(staticValueNames())
	for n, d := range r.defines {
		if d.kind == defConst {
			out = append(out, n)
		}
	}
	return out
}
