package oci

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// ImportOptions says for which container the profile is evaluated: Docker
// resolves includes/excludes for one architecture, capability set and
// kernel when it starts a container, and so does Import.
type ImportOptions struct {
	// Arch is the native architecture (default syscalls.Native).
	Arch syscalls.Arch
	// Caps are the capabilities the container holds ("CAP_SYS_ADMIN" or
	// "sys_admin"); default none, since ringfence drops every capability.
	Caps []string
	// KernelVersion is compared with minKernel ("6.1", "5.15.0-91-generic");
	// default the running kernel's release.
	KernelVersion string
	// Filename is used in errors, warnings and Rule.Source.
	Filename string
}

// scmpActions maps OCI action names to the IR. SCMP_ACT_KILL is
// libseccomp's kill-thread (runc and crun use it as such).
var scmpActions = map[specs.LinuxSeccompAction]seccomp.ActionKind{
	specs.ActKill:        seccomp.ActKillThread,
	specs.ActKillThread:  seccomp.ActKillThread,
	specs.ActKillProcess: seccomp.ActKillProcess,
	specs.ActTrap:        seccomp.ActTrap,
	specs.ActErrno:       seccomp.ActErrno,
	specs.ActTrace:       seccomp.ActTrace,
	specs.ActAllow:       seccomp.ActAllow,
	specs.ActLog:         seccomp.ActLog,
	specs.ActNotify:      seccomp.ActNotify,
}

var opFromOCI = map[specs.LinuxSeccompOperator]seccomp.Op{
	specs.OpNotEqual:     seccomp.OpNe,
	specs.OpLessThan:     seccomp.OpLt,
	specs.OpLessEqual:    seccomp.OpLe,
	specs.OpEqualTo:      seccomp.OpEq,
	specs.OpGreaterEqual: seccomp.OpGe,
	specs.OpGreaterThan:  seccomp.OpGt,
	specs.OpMaskedEqual:  seccomp.OpMaskedEq,
}

// knownSCMPArches are the architecture names runc accepts; ringfence has
// tables for some of them only.
var knownSCMPArches = []string{
	"SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
	"SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64",
	"SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",
	"SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64",
	"SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
}

// libseccompName is how moby names the native architecture in
// includes/excludes "arches" (libseccomp's names: amd64, x86, arm64, ...).
var libseccompName = map[syscalls.Arch]string{
	syscalls.ArchX86_64: "amd64", syscalls.ArchI386: "x86", syscalls.ArchX32: "x32",
	syscalls.ArchAArch64: "arm64", syscalls.ArchARM: "arm", syscalls.ArchRISCV64: "riscv64",
}

func sortedKeys[K ~string, V any](m map[K]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, string(k))
	}
	sort.Strings(out)
	return out
}

// Parse reads a profile without evaluating it. Errors are Errors (each an
// *Error with line:col and JSON path).
func Parse(data []byte, filename string) (*Profile, []Warning, error) {
	p, r, err := parse(data, filename)
	if err != nil {
		return nil, nil, err
	}
	return p, r.warns, nil
}

func parse(data []byte, filename string) (*Profile, *reader, error) {
	tree, err := parseTree(data)
	if err != nil {
		e := err.(*Error)
		e.File = filename
		return nil, nil, Errors{e}
	}
	r := &reader{data: data, file: filename, pos: map[string]int{}}
	p := r.profile(tree)
	if len(r.errs) > 0 {
		return nil, nil, r.errs
	}
	return p, r, nil
}

// Import reads an OCI or Docker seccomp profile into the IR, as runc with
// libseccomp would enforce it for the container opts describes. See the
// package documentation for the semantics. Errors are Errors; warnings list
// what the policy leaves out (unknown names, flags, listener settings).
func Import(data []byte, opts ImportOptions) (*seccomp.Policy, []Warning, error) {
	prof, r, err := parse(data, opts.Filename)
	if err != nil {
		return nil, nil, err
	}
	im := &importer{reader: r, opts: opts}
	pol := im.run(prof)
	if len(r.errs) > 0 {
		return nil, r.warns, r.errs
	}
	return pol, r.warns, nil
}

type importer struct {
	*reader
	opts     ImportOptions
	native   syscalls.Arch
	admitted []syscalls.Arch
	caps     map[string]bool
	kernel   *kernelVersion
	kernErr  error
	def      seccomp.Action
	// instances are the profile's rules per canonical name, in order.
	instances []namedInstance
}

// instance is one rule of the profile for one canonical syscall name, on
// the ABIs where the profile's name means that syscall.
type instance struct {
	order  int
	abis   []syscalls.Arch
	conds  []libCond // AND'ed, or OR'ed when or is set
	or     bool
	action seccomp.Action
	source string
	path   string // JSON path of the profile's rule
	// mux, when not 0, makes this the multiplexed copy of a socket or IPC
	// rule: libseccomp replaces the condition on argument 0 with
	// arg0 == mux (the call number) and keeps the others.
	mux uint64
}

// libCond is one libseccomp comparison: for SCMP_CMP_MASKED_EQ, mask is the
// OCI value and datum its valueTwo.
type libCond struct {
	arg         uint8
	op          seccomp.Op
	datum, mask uint64
}

func (im *importer) run(prof *Profile) *seccomp.Policy {
	im.native = im.opts.Arch
	if im.native == syscalls.ArchInvalid {
		im.native = syscalls.Native
	}
	if im.native.OCIName() == "" {
		im.errorf("", "ImportOptions.Arch %v is not an architecture ringfence knows", im.native)
		return nil
	}
	im.caps = map[string]bool{}
	for _, c := range im.opts.Caps {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		im.caps[c] = true
	}
	im.arches(prof)
	im.def = im.defaultAction(prof)
	if prof.ListenerPath != "" {
		im.warnf("listenerPath", "listenerPath is not supported: ringfence's supervisor receives notifications itself, not through an external agent's socket")
	}
	if prof.ListenerMetadata != "" {
		im.warnf("listenerMetadata", "listenerMetadata is not supported (it belongs to listenerPath)")
	}
	for i, f := range prof.Flags {
		p := index("flags", i)
		switch f {
		case specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv, "SECCOMP_FILTER_FLAG_TSYNC":
			im.warnf(p, "flag %s is not part of a ringfence policy: the program is installed with ringfence's own flags (TSYNC)", f)
		default:
			im.errorf(p, "unknown seccomp flag %q%s", f, syscalls.DidYouMean(string(f), []string{
				string(specs.LinuxSeccompFlagLog), string(specs.LinuxSeccompFlagSpecAllow),
				string(specs.LinuxSeccompFlagWaitKillableRecv), "SECCOMP_FILTER_FLAG_TSYNC"}))
		}
	}
	byName := map[string][]*instance{}
	var names []string
	for i := range prof.Syscalls {
		im.rule(&prof.Syscalls[i], index("syscalls", i), i)
	}
	for _, in := range im.instances {
		if _, ok := byName[in.name]; !ok {
			names = append(names, in.name)
		}
		byName[in.name] = append(byName[in.name], in.inst)
	}
	sort.Strings(names)
	pol := &seccomp.Policy{
		Default: im.def,
		Arches:  im.admitted,
		// libseccomp's default bad-arch action is SCMP_ACT_KILL (kill-thread),
		// and neither runc nor crun change it.
		BadArch: seccomp.KillThread,
	}
	for _, name := range names {
		im.checkConflicts(name, byName[name])
		pol.Rules = append(pol.Rules, im.rulesFor(name, byName[name])...)
	}
	im.overlapWarnings(pol)
	return pol
}

// arches resolves architectures/archMap to the admitted ABIs. libseccomp
// always includes the native architecture.
func (im *importer) arches(prof *Profile) {
	im.admitted = []syscalls.Arch{im.native}
	add := func(path string, s specs.Arch) {
		name := string(s)
		known := false
		for _, k := range knownSCMPArches {
			known = known || k == name
		}
		if !known {
			im.errorf(path, "unknown architecture %q%s", name, syscalls.DidYouMean(name, knownSCMPArches))
			return
		}
		a, err := syscalls.ParseArch(name)
		if err != nil {
			im.warnf(path, "ringfence has no syscall tables for %s: calls from that ABI get the bad-arch action", name)
			return
		}
		for _, x := range im.admitted {
			if x == a {
				return
			}
		}
		im.admitted = append(im.admitted, a)
	}
	if len(prof.Architectures) > 0 && len(prof.ArchMap) > 0 {
		im.errorf("archMap", "'architectures' and 'archMap' are both set: use one of them (Docker refuses both)")
		return
	}
	for i, a := range prof.Architectures {
		add(index("architectures", i), a)
	}
	for i, ent := range prof.ArchMap {
		if string(ent.Arch) != im.native.OCIName() {
			continue
		}
		p := index("archMap", i)
		add(join(p, "architecture"), ent.Arch)
		for j, s := range ent.SubArches {
			add(index(join(p, "subArchitectures"), j), s)
		}
		break
	}
}

func (im *importer) defaultAction(prof *Profile) seccomp.Action {
	if prof.DefaultAction == "" {
		im.errorf("defaultAction", "the profile has no defaultAction (Docker treats such a profile as no seccomp at all): add one, for example \"defaultAction\": \"SCMP_ACT_ERRNO\"")
		return seccomp.Action{}
	}
	ret := prof.DefaultErrnoRet
	if prof.DefaultErrno != "" {
		v, ok := syscalls.ErrnoValue(prof.DefaultErrno)
		if !ok {
			im.errorf("defaultErrno", "unknown errno %q%s", prof.DefaultErrno, syscalls.DidYouMean(prof.DefaultErrno, syscalls.ErrnoNames()))
		} else if ret != nil && *ret != uint(v) {
			im.errorf("defaultErrno", "defaultErrno %s (%d) contradicts defaultErrnoRet %d", prof.DefaultErrno, v, *ret)
		} else {
			u := uint(v)
			ret = &u
		}
	}
	a, ok := im.action(prof.DefaultAction, ret, "defaultAction", "defaultErrnoRet")
	if ok && a.Kind == seccomp.ActNotify {
		im.warnf("defaultAction", "runc refuses SCMP_ACT_NOTIFY as the default action")
	}
	return a
}

// action converts an OCI action and its errnoRet as runc does: ERRNO and
// TRACE without errnoRet return EPERM.
func (im *importer) action(name specs.LinuxSeccompAction, ret *uint, path, retPath string) (seccomp.Action, bool) {
	kind, ok := scmpActions[name]
	if !ok {
		hint := syscalls.DidYouMean(string(name), sortedKeys(scmpActions))
		if hint == "" {
			hint = " (known: " + strings.Join(sortedKeys(scmpActions), ", ") + ")"
		}
		im.errorf(path, "unknown action %q%s", name, hint)
		return seccomp.Action{}, false
	}
	a := seccomp.Action{Kind: kind}
	switch kind {
	case seccomp.ActErrno, seccomp.ActTrace:
		a.Data = 1 // EPERM, runc's default
		if ret != nil {
			limit := uint(seccomp.MaxErrno)
			if kind == seccomp.ActTrace {
				limit = 0xffff
			}
			if *ret > limit {
				im.errorf(retPath, "%d is out of range 0..%d", *ret, limit)
				return seccomp.Action{}, false
			}
			a.Data = uint16(*ret)
		}
	default:
		if ret != nil {
			im.warnf(retPath, "errnoRet is ignored for %s (it applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE)", name)
		}
	}
	return a, true
}

type namedInstance struct {
	name string
	inst *instance
}

// included evaluates includes/excludes as moby's setupSeccomp does.
func (im *importer) included(s *Syscall, path string) bool {
	arch := libseccompName[im.native]
	in := func(list []string, x string) bool {
		for _, y := range list {
			if y == x {
				return true
			}
		}
		return false
	}
	if f := s.Excludes; f != nil {
		if len(f.Arches) > 0 && in(f.Arches, arch) {
			return false
		}
		for _, c := range f.Caps {
			if im.caps[c] {
				return false
			}
		}
		if f.MinKernel != "" {
			if ok, valid := im.kernelAtLeast(f.MinKernel, join(path, "excludes.minKernel")); !valid || ok {
				return false
			}
		}
	}
	if f := s.Includes; f != nil {
		if len(f.Arches) > 0 && !in(f.Arches, arch) {
			return false
		}
		for _, c := range f.Caps {
			if !im.caps[c] {
				return false
			}
		}
		if f.MinKernel != "" {
			if ok, valid := im.kernelAtLeast(f.MinKernel, join(path, "includes.minKernel")); !valid || !ok {
				return false
			}
		}
	}
	return true
}

func (im *importer) kernelAtLeast(min, path string) (ok, valid bool) {
	want, err := parseKernelVersion(min)
	if err != nil {
		im.errorf(path, "minKernel %q: %v", min, err)
		return false, false
	}
	if im.kernel == nil && im.kernErr == nil {
		v := im.opts.KernelVersion
		if v == "" {
			v, im.kernErr = runningKernel()
		}
		if im.kernErr == nil {
			var k kernelVersion
			if k, im.kernErr = parseKernelVersion(v); im.kernErr == nil {
				im.kernel = &k
			}
		}
	}
	if im.kernErr != nil {
		im.errorf(path, "cannot evaluate minKernel: %v (set the kernel version to evaluate the profile for)", im.kernErr)
		return false, false
	}
	return !im.kernel.less(want), true
}

// rule converts one syscalls[] element into instances (one per canonical
// name), appended to im.instances.
func (im *importer) rule(s *Syscall, path string, order int) {
	if !im.included(s, path) {
		return
	}
	names := s.Names
	if s.Name != "" {
		if len(s.Names) != 0 {
			im.errorf(join(path, "name"), "'name' and 'names' are both set: use one of them (Docker refuses both)")
			return
		}
		names = []string{s.Name}
	}
	act, ok := im.action(s.Action, s.ErrnoRet, join(path, "action"), join(path, "errnoRet"))
	var conds []libCond
	counts := map[uint]int{}
	repeated := false
	for i, a := range s.Args {
		ap := index(join(path, "args"), i)
		if a.Index > 5 {
			im.errorf(join(ap, "index"), "argument index %d out of range 0..5", a.Index)
			ok = false
			continue
		}
		op, known := opFromOCI[a.Op]
		if !known {
			if a.Op == "" {
				im.errorf(ap, "missing \"op\" (one of %s)", strings.Join(sortedKeys(opFromOCI), ", "))
			} else {
				hint := syscalls.DidYouMean(string(a.Op), sortedKeys(opFromOCI))
				if hint == "" {
					hint = " (known: " + strings.Join(sortedKeys(opFromOCI), ", ") + ")"
				}
				im.errorf(join(ap, "op"), "unknown operator %q%s", a.Op, hint)
			}
			ok = false
			continue
		}
		c := libCond{arg: uint8(a.Index), op: op, datum: a.Value, mask: ^uint64(0)}
		if op == seccomp.OpMaskedEq {
			// libseccomp: (arg & datum_a) == datum_b, datum_b masked too.
			c.mask, c.datum = a.Value, a.ValueTwo&a.Value
			if a.ValueTwo&^a.Value != 0 {
				im.warnf(join(ap, "valueTwo"), "valueTwo %#x has bits outside the mask %#x; libseccomp ignores them, and so does the import", a.ValueTwo, a.Value)
			}
		} else if a.ValueTwo != 0 {
			im.warnf(join(ap, "valueTwo"), "valueTwo is ignored for %s (it is the datum of SCMP_CMP_MASKED_EQ only)", a.Op)
		}
		counts[a.Index]++
		repeated = repeated || counts[a.Index] > 1
		conds = append(conds, c)
	}
	if !ok {
		return
	}
	if len(names) == 0 {
		im.warnf(path, "rule has no syscall names: ignored")
		return
	}
	if act == im.def {
		// runc skips rules whose action is the default action.
		return
	}
	line, col := im.at(path, im.pos[path])
	source := fmt.Sprintf("%s (%s)", formatSource(im.file, line, col), path)
	var out []namedInstance
	var missing []string
	for j, n := range names {
		np := index(join(path, "names"), j)
		if s.Name != "" {
			np = join(path, "name")
		}
		if n == "" {
			im.errorf(np, "empty syscall name")
			continue
		}
		byCanon := map[string][]syscalls.Arch{}
		var canon []string
		for _, a := range im.admitted {
			nr, ok := syscalls.Number(a, n)
			if !ok {
				continue
			}
			c, _ := syscalls.Name(a, nr)
			if _, seen := byCanon[c]; !seen {
				canon = append(canon, c)
			}
			byCanon[c] = append(byCanon[c], a)
		}
		if len(canon) == 0 {
			if !syscalls.Known(n) {
				im.warnf(np, "unknown syscall %q skipped (runc and libseccomp skip names they do not know)%s", n, syscalls.DidYouMean(n, syscalls.AllNames()))
			} else {
				missing = append(missing, n)
			}
			continue
		}
		for _, c := range canon {
			in := &instance{order: order, abis: byCanon[c], conds: conds, or: repeated, action: act, source: source, path: path}
			out = append(out, namedInstance{c, in})
		}
	}
	// libseccomp on i386 also adds each socket and IPC rule to the
	// multiplexers socketcall(2) and ipc(2) (arch-x86.c, abi_rule_add).
	if hasArch(im.admitted, syscalls.ArchI386) {
		for _, n := range names {
			if mux, call, ok := multiplexed(n); ok {
				in := &instance{order: order, abis: []syscalls.Arch{syscalls.ArchI386}, conds: conds, or: repeated, action: act, source: source, path: path, mux: call}
				out = append(out, namedInstance{mux, in})
				missing = remove(missing, n)
			}
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		im.warnf(path, "%s is not a syscall of %s and was skipped", missing[0], archList(im.admitted))
	default:
		im.warnf(path, "%d of its names are not syscalls of %s and were skipped: %s", len(missing), archList(im.admitted), strings.Join(missing, ", "))
	}
	im.instances = append(im.instances, out...)
}

func remove(list []string, x string) []string {
	out := list[:0]
	for _, y := range list {
		if y != x {
			out = append(out, y)
		}
	}
	return out
}

// socketCalls and ipcCalls are the calls i386 multiplexes, with their
// numbers (linux/net.h SYS_*, linux/ipc.h): libseccomp's __PNR_* order.
var socketCalls = map[string]uint64{
	"socket": 1, "bind": 2, "connect": 3, "listen": 4, "accept": 5, "getsockname": 6, "getpeername": 7,
	"socketpair": 8, "send": 9, "recv": 10, "sendto": 11, "recvfrom": 12, "shutdown": 13, "setsockopt": 14,
	"getsockopt": 15, "sendmsg": 16, "recvmsg": 17, "accept4": 18, "recvmmsg": 19, "sendmmsg": 20,
}

var ipcCalls = map[string]uint64{
	"semop": 1, "semget": 2, "semctl": 3, "semtimedop": 4, "msgsnd": 11, "msgrcv": 12, "msgget": 13,
	"msgctl": 14, "shmat": 21, "shmdt": 22, "shmget": 23, "shmctl": 24,
}

// multiplexed names the i386 multiplexer of a socket or IPC call and the
// call's number there.
func multiplexed(name string) (mux string, call uint64, ok bool) {
	if n, ok := socketCalls[name]; ok {
		return "socketcall", n, true
	}
	if n, ok := ipcCalls[name]; ok {
		return "ipc", n, true
	}
	return "", 0, false
}

func formatSource(file string, line, col int) string {
	if file == "" {
		file = "profile"
	}
	return fmt.Sprintf("%s:%d:%d", file, line, col)
}

func archList(as []syscalls.Arch) string {
	parts := make([]string, len(as))
	for i, a := range as {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// rulesFor builds the IR rules of one canonical name: per ABI the instances
// libseccomp keeps (the first unconditional rule replaces every other rule
// of the syscall: db_rule_add), conditions as libseccomp compares them on
// that ABI, and an arch guard only where ABIs disagree.
func (im *importer) rulesFor(name string, insts []*instance) []seccomp.Rule {
	var exists []syscalls.Arch // admitted ABIs where the name is a syscall
	for _, a := range im.admitted {
		if _, ok := syscalls.Number(a, name); ok {
			exists = append(exists, a)
		}
	}
	type key struct {
		inst  *instance
		width bool // compare 32-bit
	}
	groups := map[key][]syscalls.Arch{}
	var order []key
	for _, a := range exists {
		var kept []*instance
		for _, in := range insts {
			if !hasArch(in.abis, a) {
				continue
			}
			if in.unconditionalOn(a) {
				kept = []*instance{in}
				break
			}
			kept = append(kept, in)
		}
		// Every unconditional instance before the first one was conditional
		// and is dropped; the loop above already restarted kept.
		for _, in := range kept {
			k := key{in, needs32(a, in.conds) || (in.mux != 0 && a == syscalls.ArchX32)}
			if _, ok := groups[k]; !ok {
				order = append(order, k)
			}
			groups[k] = append(groups[k], a)
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return order[i].inst.order < order[j].inst.order })
	var rules []seccomp.Rule
	for _, k := range order {
		abis := groups[k]
		r := seccomp.Rule{Syscall: name, Action: k.inst.action, Source: k.inst.source, When: k.inst.expr(k.width)}
		if len(abis) != len(exists) {
			r.Arches = abis
		}
		rules = append(rules, r)
	}
	return rules
}

// chains are the libseccomp rules an instance adds on ABI a: its
// conditions sorted by argument (one rule per condition when runc split
// them), values as libseccomp compares them there.
func (in *instance) chains(a syscalls.Arch) [][]libCond {
	max := domainOf(a).max()
	norm := func(cs []libCond) []libCond {
		out := make([]libCond, 0, len(cs)+1)
		if in.mux != 0 {
			out = append(out, libCond{arg: 0, op: seccomp.OpEq, datum: in.mux, mask: max})
		}
		for _, c := range cs {
			if in.mux != 0 && c.arg == 0 {
				continue
			}
			out = append(out, libCond{arg: c.arg, op: c.op, datum: c.datum & c.mask & max, mask: c.mask & max})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].arg < out[j].arg })
		return out
	}
	if !in.or {
		return [][]libCond{norm(in.conds)}
	}
	var out [][]libCond
	for _, c := range in.conds {
		out = append(out, norm([]libCond{c}))
	}
	return out
}

// checkConflicts reports what makes libseccomp refuse the profile, and
// runc with it: a conditional rule whose conditions equal, or are a prefix
// of, those of an earlier rule of the syscall with another action (EEXIST
// from seccomp_rule_add). Rules after an unconditional one are dropped
// before they conflict.
func (im *importer) checkConflicts(name string, insts []*instance) {
	type added struct {
		chain []libCond
		in    *instance
	}
	reported := map[*instance]bool{}
	for _, a := range im.admitted {
		var prev []added
	rules:
		for _, in := range insts {
			if !hasArch(in.abis, a) {
				continue
			}
			if in.unconditionalOn(a) {
				break
			}
			for _, ch := range in.chains(a) {
				for _, p := range prev {
					if p.in.action == in.action || len(ch) > len(p.chain) || !samePrefix(ch, p.chain) {
						continue
					}
					if !reported[in] {
						reported[in] = true
						im.errorf(in.path, "runc cannot load this profile: libseccomp refuses this rule for %s (EEXIST): %s, with action %v, checks the same conditions (these or more); give both the same action or different conditions", name, p.in.path, p.in.action)
					}
					continue rules
				}
				prev = append(prev, added{ch, in})
			}
		}
	}
}

func samePrefix(short, long []libCond) bool {
	for i := range short {
		if short[i] != long[i] {
			return false
		}
	}
	return true
}

// unconditionalOn reports whether libseccomp adds the instance on ABI a as
// an unconditional rule: no conditions, or only masked compares whose mask
// is zero in the bits it compares there (it drops those as no-ops,
// _db_arg_cmp_need_lo/hi); with runc's split (or), one such condition is a
// rule of its own.
func (in *instance) unconditionalOn(a syscalls.Arch) bool {
	if in.mux != 0 {
		return false
	}
	if len(in.conds) == 0 {
		return true
	}
	compared := domainOf(a).max()
	noop := func(c libCond) bool { return c.op == seccomp.OpMaskedEq && c.mask&compared == 0 }
	for _, c := range in.conds {
		if noop(c) == in.or {
			return in.or
		}
	}
	return !in.or
}

func hasArch(as []syscalls.Arch, a syscalls.Arch) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

// needs32 reports whether the conditions must be 32-bit comparisons on ABI a
// to match libseccomp: always on x32 (64-bit registers, low halves
// compared), on i386 and arm only when a value does not fit in 32 bits
// (their arguments are zero-extended, so a 64-bit comparison of a value that
// fits is the same).
func needs32(a syscalls.Arch, conds []libCond) bool {
	if domainOf(a) == dom64 || len(conds) == 0 {
		return false
	}
	if a == syscalls.ArchX32 {
		return true
	}
	for _, c := range conds {
		if c.datum>>32 != 0 {
			return true
		}
	}
	return false
}

func (in *instance) expr(width32 bool) seccomp.Expr {
	if in.mux != 0 {
		return in.muxExpr(width32)
	}
	if len(in.conds) == 0 {
		return nil
	}
	xs := make([]seccomp.Expr, len(in.conds))
	for i, c := range in.conds {
		xs[i] = c.cmp(width32)
	}
	if len(xs) == 1 {
		return xs[0]
	}
	if in.or {
		return seccomp.Or(xs)
	}
	return seccomp.And(xs)
}

// muxExpr is the condition of a multiplexed copy: per libseccomp rule (one
// per condition when runc split them), arg0 == call AND the conditions on
// the other arguments.
func (in *instance) muxExpr(width32 bool) seccomp.Expr {
	call := libCond{arg: 0, op: seccomp.OpEq, datum: in.mux, mask: ^uint64(0)}.cmp(width32)
	if in.or {
		var alts seccomp.Or
		for _, c := range in.conds {
			if c.arg == 0 {
				alts = append(alts, call)
			} else {
				alts = append(alts, seccomp.And{call, c.cmp(width32)})
			}
		}
		return alts
	}
	all := seccomp.And{call}
	for _, c := range in.conds {
		if c.arg != 0 {
			all = append(all, c.cmp(width32))
		}
	}
	if len(all) == 1 {
		return call
	}
	return all
}

func (c libCond) cmp(width32 bool) seccomp.Cmp {
	cmp := seccomp.Cmp{Arg: c.arg, Op: c.op, Value: c.datum}
	if c.op == seccomp.OpMaskedEq {
		cmp.Mask = c.mask
	}
	if width32 {
		cmp.Width32 = true
		cmp.Value &= 0xffffffff
		cmp.Mask &= 0xffffffff
	}
	return cmp
}

// overlapWarnings flags syscalls whose conditional rules have different
// actions and can both hold: libseccomp's choice between them depends on how
// it merges them into its tree, ringfence takes the strictest.
func (im *importer) overlapWarnings(pol *seccomp.Policy) {
	type term struct {
		c    conj
		rule *seccomp.Rule
	}
	// The rules are grouped by syscall name (rulesFor emits them so).
	for start := 0; start < len(pol.Rules); {
		end := start
		for end < len(pol.Rules) && pol.Rules[end].Syscall == pol.Rules[start].Syscall {
			end++
		}
		group := pol.Rules[start:end]
		start = end
		if !mixedActions(group) {
			continue
		}
	abis:
		for _, abi := range im.admitted {
			d := domainOf(abi)
			var terms []term
			for i := range group {
				r := &group[i]
				if !ruleAdmits(r, abi) {
					continue
				}
				f, err := toDNF(r.When, false, abi)
				if err != nil {
					continue
				}
				for _, c := range f {
					terms = append(terms, term{c, r})
				}
			}
			budget := 200000
			for i := range terms {
				for j := i + 1; j < len(terms); j++ {
					a, b := terms[i], terms[j]
					if a.rule.Action == b.rule.Action {
						continue
					}
					if budget--; budget < 0 {
						continue abis
					}
					if _, ok := simplify(append(append(conj{}, a.c...), b.c...), d); ok {
						im.warnf("", "%s: rules %s (%v) and %s (%v) can both match on %v; libseccomp's outcome then depends on how it merges rules, ringfence applies the stricter action", a.rule.Syscall, a.rule.Source, a.rule.Action, b.rule.Source, b.rule.Action, abi)
						break abis
					}
				}
			}
		}
	}
}

func mixedActions(rs []seccomp.Rule) bool {
	for i := range rs {
		if rs[i].Action != rs[0].Action {
			return true
		}
	}
	return false
}

func ruleAdmits(r *seccomp.Rule, a syscalls.Arch) bool {
	return len(r.Arches) == 0 || hasArch(r.Arches, a)
}

// kernelVersion is a kernel release as moby's minKernel compares it:
// version.major.minor, the rest ignored.
type kernelVersion [3]int

func (k kernelVersion) less(o kernelVersion) bool {
	for i := range k {
		if k[i] != o[i] {
			return k[i] < o[i]
		}
	}
	return false
}

func parseKernelVersion(s string) (kernelVersion, error) {
	var k kernelVersion
	rest := strings.TrimSpace(s)
	for i := 0; i < 3; i++ {
		j := 0
		for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
			j++
		}
		if j == 0 {
			if i < 2 {
				return k, fmt.Errorf("not a kernel version: expected MAJOR.MINOR like \"4.8\" or \"5.10.2\"")
			}
			break
		}
		n, err := strconv.Atoi(rest[:j])
		if err != nil {
			return k, fmt.Errorf("not a kernel version: %v", err)
		}
		k[i] = n
		rest = rest[j:]
		if i < 2 {
			if !strings.HasPrefix(rest, ".") {
				if i == 0 {
					return k, fmt.Errorf("not a kernel version: expected MAJOR.MINOR like \"4.8\" or \"5.10.2\"")
				}
				break
			}
			rest = rest[1:]
		}
	}
	return k, nil
}
