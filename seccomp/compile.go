package seccomp

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// ErrTooLong is wrapped by Compile's error when the program would exceed the
// kernel's limit of bpf.MaxInstructions.
var ErrTooLong = errors.New("program too long for the kernel")

// Options tune Compile. The zero value is the normal, optimized compile.
type Options struct {
	// Hot lists syscall names in order of frequency (from learn mode): each
	// is tested with one JEQ right after the syscall number is loaded,
	// before the binary search. Empty: Policy.Hot. Names an ABI does not
	// have are skipped.
	Hot []string
	// NoOptimize turns off the condition and rule-set rewrites, the sharing
	// of identical argument checks between syscalls and load threading. The
	// output is larger and slower but must decide exactly the same; the
	// differential tests compare both.
	NoOptimize bool
}

// Stats describe a compiled program.
type Stats struct {
	Length      int               // instructions
	Arches      []syscalls.Arch   // admitted ABIs, in check order
	Ranges      int               // syscall-number ranges dispatched by binary search (all ABIs)
	ArgSyscalls int               // syscalls (over all ABIs) decided by their arguments
	CompileTime time.Duration     // wall time of Compile
	Passes      []string          // the optimizer passes that ran, in order
	Actions     map[uint32]Action // every value the program can return
}

// Program is a compiled seccomp-BPF filter.
type Program struct {
	Instructions []bpf.Instruction
	Stats        Stats
}

// Bytes is the raw struct sock_filter array (what bwrap --seccomp reads).
func (p *Program) Bytes() []byte { return bpf.Marshal(p.Instructions) }

// Len is the number of instructions.
func (p *Program) Len() int { return len(p.Instructions) }

// leaf is how a range of syscall numbers is decided: a constant action, or a
// rule set that looks at the arguments.
type leaf struct {
	constant bool
	action   Action // when constant
	set      ruleSet
	abi32    bool // 32-bit ABI: argument high halves are absent (known 0)
	key      string
}

func constLeaf(a Action) leaf { return leaf{constant: true, action: a} }

// same reports whether two leaves decide identically (by construction:
// equal actions, or equal rule sets on the same ABI width).
func (l leaf) same(m leaf) bool {
	if l.constant || m.constant {
		return l.constant && m.constant && l.action.Ret() == m.action.Ret()
	}
	return l.key == m.key
}

// numRange is the syscall numbers lo..hi (unsigned) of one audit arch,
// decided by one leaf.
type numRange struct {
	lo, hi uint32
	leaf   leaf
	weight int // how often the range is expected to be hit, relatively
}

// Weights of the binary search: a syscall of the primary ABI (the first
// admitted one, normally the native ABI; not the build host's, so the
// output does not depend on where the compiler runs) counts nativeWeight,
// one of another ABI (i386, x32 on x86_64) 1, and a range of numbers no
// table knows 1 in all.
const nativeWeight = 8

// archPlan is the code for one AUDIT_ARCH value.
type archPlan struct {
	audit  uint32
	abis   []syscalls.Arch // admitted ABIs behind this audit arch
	ranges []numRange
	hot    []hotCheck
}

type hotCheck struct {
	nr   uint32
	leaf leaf
}

// Compile translates a policy into a seccomp-BPF program. See the package
// documentation for the layout and the rules the code follows.
func Compile(p *Policy, opts Options) (*Program, error) {
	start := time.Now()
	if p == nil {
		return nil, fmt.Errorf("seccomp: Compile needs a policy, got nil")
	}
	if err := checkPolicy(p); err != nil {
		return nil, err
	}
	if len(opts.Hot) == 0 {
		opts.Hot = p.Hot // the policy's own frequency order (learn mode's `hot` line)
	}
	plans, stats := plan(p, opts)
	e := newEmitter(opts.NoOptimize)
	g := &codegen{e: e, leaves: map[string]target{}, share: !opts.NoOptimize}
	entry := g.program(plans, p.BadArchAction())
	if e.err != nil {
		return nil, fmt.Errorf("seccomp: policy too large: %v; reduce argument conditions or admitted ABIs: %w", e.err, ErrTooLong)
	}
	prog := e.program(entry)
	if len(prog) > bpf.MaxInstructions {
		return nil, fmt.Errorf("seccomp: compiled program has %d instructions, more than the kernel's limit of %d (BPF_MAXINSNS): "+
			"admit fewer ABIs, merge argument conditions (e.g. one masked test instead of many values), or split the policy into stacked filters: %w",
			len(prog), bpf.MaxInstructions, ErrTooLong)
	}
	stats.Length = len(prog)
	stats.Actions = map[uint32]Action{}
	for _, ins := range prog {
		if ins.Op == opRetK {
			stats.Actions[ins.K] = ActionFromRet(ins.K)
		}
	}
	if !opts.NoOptimize {
		for _, ps := range setPasses {
			stats.Passes = append(stats.Passes, ps.name)
		}
		for _, ps := range exprPasses {
			stats.Passes = append(stats.Passes, ps.name)
		}
	}
	stats.CompileTime = time.Since(start)
	return &Program{Instructions: prog, Stats: stats}, nil
}

func checkAction(what string, a Action) error {
	if _, ok := kindRet[a.Kind]; !ok {
		return fmt.Errorf("seccomp: %s: invalid action (kind %d); use one of allow, log, notify, trap, kill-process, kill-thread, errno(E...), trace(N)", what, a.Kind)
	}
	if a.Kind == ActErrno && a.Data > MaxErrno {
		return fmt.Errorf("seccomp: %s: errno %d out of range 0..%d", what, a.Data, MaxErrno)
	}
	return nil
}

func checkPolicy(p *Policy) error {
	if err := checkAction("default action", p.Default); err != nil {
		return err
	}
	if p.BadArch.Kind != ActInvalid {
		if err := checkAction("bad-arch action", p.BadArch); err != nil {
			return err
		}
	}
	if p.Unknown != nil {
		if err := checkAction("unknown-syscall action", *p.Unknown); err != nil {
			return err
		}
	}
	seen := map[syscalls.Arch]bool{}
	for _, a := range p.AdmittedArches() {
		if a.AuditArch() == 0 {
			return fmt.Errorf("seccomp: admitted ABI %v is not one the tables know (known: x86_64, i386, x32, aarch64, arm, riscv64)", a)
		}
		if seen[a] {
			return fmt.Errorf("seccomp: ABI %v is admitted twice", a)
		}
		seen[a] = true
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		where := func() string {
			w := fmt.Sprintf("rule %d (%s", i, r.Syscall)
			if r.Source != "" {
				w += ", " + r.Source
			}
			return w + ")"
		}
		if _, ok := kindRet[r.Action.Kind]; !ok || (r.Action.Kind == ActErrno && r.Action.Data > MaxErrno) {
			return checkAction(where(), r.Action)
		}
		if r.When != nil {
			if err := checkExpr(r.When); err != nil {
				return fmt.Errorf("seccomp: %s: %w", where(), err)
			}
		}
	}
	return nil
}

// plan computes, for each audit arch, the ranges of syscall numbers and how
// each is decided.
func plan(p *Policy, opts Options) ([]archPlan, Stats) {
	var stats Stats
	admitted := p.AdmittedArches()
	stats.Arches = append(stats.Arches, admitted...)
	unknown := p.Default
	if p.Unknown != nil {
		unknown = *p.Unknown
	}
	byName := map[string][]*Rule{}
	for i := range p.Rules {
		r := &p.Rules[i]
		byName[r.Syscall] = append(byName[r.Syscall], r)
	}
	leafFor := func(abi syscalls.Arch, name string) leaf {
		if len(byName[name]) == 0 {
			return constLeaf(p.Default)
		}
		s := ruleSet{fallback: p.Default}
		conditional := false
		var strictest *Action // of the unconditional rules
		for _, r := range byName[name] {
			if !r.admits(abi) {
				continue
			}
			var w Expr = True{}
			if r.When != nil {
				w = r.When
				conditional = true
			} else if strictest == nil || r.Action.Stricter(*strictest) {
				strictest = &r.Action
			}
			s.groups = append(s.groups, group{when: w, action: r.Action})
		}
		if !conditional && !opts.NoOptimize {
			// The common case, without the passes: the strictest rule.
			if strictest == nil {
				return constLeaf(p.Default)
			}
			return constLeaf(*strictest)
		}
		if opts.NoOptimize {
			s = sortStrictestFirst(s)
		} else {
			s = optimizeSet(s)
		}
		if len(s.groups) == 0 {
			return constLeaf(s.fallback)
		}
		if !opts.NoOptimize && len(s.groups) == 1 && isTrue(s.groups[0].when) {
			return constLeaf(s.groups[0].action)
		}
		l := leaf{set: s, abi32: !abi.Is64Bit()}
		var b strings.Builder
		fmt.Fprintf(&b, "abi32=%v fallback=%#x", l.abi32, s.fallback.Ret())
		for _, g := range s.groups {
			fmt.Fprintf(&b, "; %#x if %s", g.action.Ret(), exprKey(g.when))
		}
		l.key = b.String()
		return l
	}

	var plans []archPlan
	index := map[uint32]int{}
	for _, abi := range admitted {
		audit := abi.AuditArch()
		i, ok := index[audit]
		if !ok {
			i = len(plans)
			index[audit] = i
			plans = append(plans, archPlan{audit: audit})
		}
		plans[i].abis = append(plans[i].abis, abi)
	}
	bad := constLeaf(p.BadArchAction())
	for i := range plans {
		pl := &plans[i]
		// segments of the 32-bit number space and the ABI behind each
		type segment struct {
			lo, hi uint32
			abi    syscalls.Arch // ArchInvalid: not admitted
		}
		var segs []segment
		if pl.audit == syscalls.AuditArchX86_64 {
			// Bit 30 selects x32 (ResolveABI); numbers are unsigned here.
			pick := func(a syscalls.Arch) syscalls.Arch {
				if slices.Contains(pl.abis, a) {
					return a
				}
				return syscalls.ArchInvalid
			}
			x64, x32 := pick(syscalls.ArchX86_64), pick(syscalls.ArchX32)
			segs = []segment{
				{0, syscalls.X32SyscallBit - 1, x64},
				{syscalls.X32SyscallBit, 0x7fffffff, x32},
				{0x80000000, 0x80000000 + syscalls.X32SyscallBit - 1, x64},
				{0x80000000 + syscalls.X32SyscallBit, math.MaxUint32, x32},
			}
		} else {
			segs = []segment{{0, math.MaxUint32, pl.abis[0]}}
		}
		var rs []numRange
		add := func(lo, hi uint32, l leaf, w int) {
			if n := len(rs); n > 0 && rs[n-1].leaf.same(l) && rs[n-1].hi+1 == lo {
				rs[n-1].hi = hi
				rs[n-1].weight += w
				return
			}
			rs = append(rs, numRange{lo, hi, l, w})
		}
		for _, sg := range segs {
			if sg.abi == syscalls.ArchInvalid {
				add(sg.lo, sg.hi, bad, 1)
				continue
			}
			unk := constLeaf(unknown)
			next := uint64(sg.lo)
			for _, sc := range syscalls.Table(sg.abi) {
				// Decide looks numbers up as int32: only 0..MaxInt32 exist.
				if sc.Nr < int(sg.lo) || sc.Nr > int(sg.hi) || sc.Nr < 0 || sc.Nr > math.MaxInt32 || uint64(sc.Nr) < next {
					continue
				}
				if uint64(sc.Nr) > next {
					add(uint32(next), uint32(sc.Nr-1), unk, 1)
				}
				l := leafFor(sg.abi, sc.Name)
				if !l.constant {
					stats.ArgSyscalls++
				}
				w := 1
				if sg.abi == admitted[0] {
					w = nativeWeight
				}
				add(uint32(sc.Nr), uint32(sc.Nr), l, w)
				next = uint64(sc.Nr) + 1
			}
			if next <= uint64(sg.hi) {
				add(uint32(next), sg.hi, unk, 1)
			}
		}
		pl.ranges = rs
		stats.Ranges += len(rs)
		seenHot := map[uint32]bool{}
		for _, name := range opts.Hot {
			for _, abi := range pl.abis {
				nr, ok := syscalls.Number(abi, name)
				if !ok || nr < 0 || nr > math.MaxInt32 || seenHot[uint32(nr)] {
					continue
				}
				if n, ok := syscalls.Name(abi, nr); !ok || n != name {
					continue
				}
				seenHot[uint32(nr)] = true
				pl.hot = append(pl.hot, hotCheck{nr: uint32(nr), leaf: leafFor(abi, name)})
			}
		}
	}
	return plans, stats
}

// codegen lowers plans to BPF through the emitter (backwards: callees
// before callers).
type codegen struct {
	e      *emitter
	leaves map[string]target // shared argument checks by leaf key
	share  bool
}

func (g *codegen) program(plans []archPlan, badArch Action) target {
	trees := make([]target, len(plans))
	for i := len(plans) - 1; i >= 0; i-- {
		trees[i] = g.archTree(&plans[i])
	}
	cur := retTarget(badArch.Ret())
	arch := word(bpf.OffsetArch)
	for i := len(plans) - 1; i >= 0; i-- {
		cur = g.e.jump(opJeq, plans[i].audit, trees[i], cur, arch)
	}
	return g.e.load(bpf.OffsetArch, cur)
}

// archTree: ld nr; hot JEQs; binary search over the ranges.
func (g *codegen) archTree(pl *archPlan) target {
	nr := word(bpf.OffsetNr)
	cur := g.search(pl.ranges, nr)
	for i := len(pl.hot) - 1; i >= 0; i-- {
		h := pl.hot[i]
		cur = g.e.jump(opJeq, h.nr, g.leaf(h.leaf), cur, nr)
	}
	return g.e.load(bpf.OffsetNr, cur)
}

// search emits a weight-balanced binary search over consecutive ranges (A
// holds the syscall number). Each split puts half of the weight on each side,
// so a range of weight w sits about log2(total/w) comparisons deep: runs of
// native syscalls that share an outcome (weight: their count, times
// nativeWeight) are reached sooner than a gap of unknown numbers or a
// companion ABI's syscall.
func (g *codegen) search(rs []numRange, nr acc) target {
	if len(rs) == 1 {
		return g.leaf(rs[0].leaf)
	}
	var total int
	for _, r := range rs {
		total += r.weight
	}
	// The split point mid (1..len-1) where the left weight is closest to half.
	mid, left, best := 1, 0, -1
	for i := 1; i < len(rs); i++ {
		left += rs[i-1].weight
		d := total - 2*left
		if d < 0 {
			d = -d
		}
		if best < 0 || d < best {
			mid, best = i, d
		}
	}
	hi := g.search(rs[mid:], nr)
	lo := g.search(rs[:mid], nr)
	return g.e.jump(opJge, rs[mid].lo, hi, lo, nr)
}

func (g *codegen) leaf(l leaf) target {
	if l.constant {
		return retTarget(l.action.Ret())
	}
	if g.share {
		if t, ok := g.leaves[l.key]; ok {
			return t
		}
	}
	cur := retTarget(l.set.fallback.Ret())
	for i := len(l.set.groups) - 1; i >= 0; i-- {
		gr := l.set.groups[i]
		cur = g.cond(gr.when, retTarget(gr.action.Ret()), cur, l.abi32)
	}
	if g.share {
		g.leaves[l.key] = cur
	}
	return cur
}

// cond emits code that goes to t when x holds and to f otherwise, and
// returns its entry.
func (g *codegen) cond(x Expr, t, f target, abi32 bool) target {
	switch v := x.(type) {
	case True:
		return t
	case And:
		cur := t
		for i := len(v) - 1; i >= 0; i-- {
			cur = g.cond(v[i], cur, f, abi32)
		}
		return cur
	case Or:
		cur := f
		for i := len(v) - 1; i >= 0; i-- {
			cur = g.cond(v[i], t, cur, abi32)
		}
		return cur
	case Not:
		return g.cond(v.X, f, t, abi32)
	case Cmp:
		return g.cmp(v, t, f, abi32)
	}
	// checkPolicy rejected every other type.
	panic(fmt.Sprintf("seccomp: internal error: unchecked condition type %T", x))
}

const signBit = 0x80000000

// cmp lowers one comparison. 64-bit comparisons test the high word first,
// then the low word; on 32-bit ABIs the high word is known to be 0 and its
// test is decided here, at compile time.
func (g *codegen) cmp(c Cmp, t, f target, abi32 bool) target {
	lo, hi := bpf.ArgLow(int(c.Arg)), bpf.ArgHigh(int(c.Arg))
	vlo, vhi := uint32(c.Value), uint32(c.Value>>32)
	wide := !c.Width32
	switch c.Op {
	case OpEq, OpNe, OpMaskedEq:
		if c.Op == OpNe {
			t, f = f, t
		}
		mlo, mhi := uint32(math.MaxUint32), uint32(math.MaxUint32)
		if c.Op == OpMaskedEq {
			mlo, mhi = uint32(c.Mask), uint32(c.Mask>>32)
		}
		low := g.wordEq(lo, mlo, vlo, t, f)
		if !wide {
			return low
		}
		if abi32 {
			if vhi == 0 {
				return low
			}
			return f
		}
		return g.wordEq(hi, mhi, vhi, low, f)
	}
	// Ordered comparisons.
	var flip uint32
	if c.Signed {
		flip = signBit
	}
	if !wide {
		return g.wordOrdered(lo, c.Op, vlo, flip, t, f)
	}
	// Unsigned low-word comparison when the high words are equal.
	low := g.wordOrdered(lo, c.Op, vlo, 0, t, f)
	var gt, lt target // outcome when the high word is greater / less
	switch c.Op {
	case OpLt, OpLe:
		gt, lt = f, t
	default:
		gt, lt = t, f
	}
	if abi32 {
		h, v := flip, vhi^flip // the high word (0) and the constant, in compared order
		switch {
		case h > v:
			return gt
		case h < v:
			return lt
		}
		return low
	}
	return g.highOrdered(hi, vhi^flip, flip, gt, lt, low)
}

// wordEq: (word & mask) == v.
func (g *codegen) wordEq(off, mask, v uint32, t, f target) target {
	e := g.e
	state := word(off)
	switch {
	case v&^mask != 0:
		return f
	case mask == 0:
		return t
	case mask == math.MaxUint32:
		return e.load(off, e.jump(opJeq, v, t, f, state))
	case mask&(mask-1) == 0: // one bit: JSET, no ALU
		if v == 0 {
			t, f = f, t
		}
		return e.load(off, e.jump(opJset, mask, t, f, state))
	}
	masked := acc{known: true, off: off, alu: opAndK, k: mask}
	j := e.jump(opJeq, v, t, f, masked)
	and := e.stmt(bpf.Instruction{Op: opAndK, K: mask}, state, masked, j)
	return e.load(off, and)
}

// wordOrdered: word op v on one 32-bit word, signed when flip is the sign
// bit (both sides XORed with it turn signed order into unsigned order).
func (g *codegen) wordOrdered(off uint32, op Op, v, flip uint32, t, f target) target {
	e := g.e
	v ^= flip
	state := word(off)
	if flip != 0 {
		state = acc{known: true, off: off, alu: opXorK, k: flip}
	}
	var j target
	switch op {
	case OpLt: // !(A >= v)
		if v == 0 {
			return f
		}
		j = e.jump(opJge, v, f, t, state)
	case OpLe: // !(A > v)
		if v == math.MaxUint32 {
			return t
		}
		j = e.jump(opJgt, v, f, t, state)
	case OpGt:
		if v == math.MaxUint32 {
			return f
		}
		j = e.jump(opJgt, v, t, f, state)
	case OpGe:
		if v == 0 {
			return t
		}
		j = e.jump(opJge, v, t, f, state)
	}
	if flip != 0 {
		j = e.stmt(bpf.Instruction{Op: opXorK, K: flip}, word(off), state, j)
	}
	return e.load(off, j)
}

// highOrdered compares the high word (XORed with flip) with v and goes to
// gt, lt or eq.
func (g *codegen) highOrdered(off, v, flip uint32, gt, lt, eq target) target {
	e := g.e
	state := word(off)
	if flip != 0 {
		state = acc{known: true, off: off, alu: opXorK, k: flip}
	}
	var j target
	switch {
	case v == 0: // nothing is less
		j = e.jump(opJgt, v, gt, eq, state)
	case v == math.MaxUint32: // nothing is greater
		j = e.jump(opJeq, v, eq, lt, state)
	case e.sameTarget(gt, lt, state):
		j = e.jump(opJeq, v, eq, gt, state)
	case e.sameTarget(eq, gt, state):
		j = e.jump(opJge, v, gt, lt, state)
	case e.sameTarget(eq, lt, state):
		j = e.jump(opJgt, v, gt, lt, state)
	default:
		j = e.jump(opJeq, v, eq, lt, state)
		j = e.jump(opJgt, v, gt, j, state)
	}
	if flip != 0 {
		j = e.stmt(bpf.Instruction{Op: opXorK, K: flip}, word(off), state, j)
	}
	return e.load(off, j)
}
