package oci

import (
	"cmp"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.yaml.in/yaml/v3"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// ExportOptions tunes Export. The zero value is the right choice today; the
// type leaves room for options without breaking callers.
type ExportOptions struct{}

// Export writes p as an OCI runtime-spec linux.seccomp profile (JSON): what
// docker run --security-opt seccomp=FILE, podman, runc and crun (config.json
// linux.seccomp) and Kubernetes Localhost profiles read. Every decision p
// makes on its admitted ABIs is kept, or Export fails naming the rule that
// OCI cannot express; warnings name what is lost outside those decisions
// (Policy.Unknown, a bad-arch action other than kill-thread).
func Export(p *seccomp.Policy, opts ExportOptions) ([]byte, []Warning, error) {
	prof, warns, err := Convert(p, opts)
	if err != nil {
		return nil, warns, err
	}
	out, err := json.MarshalIndent(prof, "", "\t")
	if err != nil {
		return nil, warns, err
	}
	return append(out, '\n'), warns, nil
}

// Convert is Export without the JSON encoding.
func Convert(p *seccomp.Policy, _ ExportOptions) (*specs.LinuxSeccomp, []Warning, error) {
	ex := &exporter{p: p}
	prof, err := ex.run()
	return prof, ex.warns, err
}

type exporter struct {
	p     *seccomp.Policy
	warns []Warning
}

func (ex *exporter) warnf(format string, args ...any) {
	ex.warns = append(ex.warns, Warning{Msg: fmt.Sprintf(format, args...)})
}

// entry is one OCI rule: an action and its argument comparisons (AND'ed,
// at most one per argument).
type entry struct {
	action seccomp.Action
	args   []specs.LinuxSeccompArg
}

func (e entry) key() string { return e.action.String() + "|" + argsKey(e.args) }

func ociAction(a seccomp.Action) (specs.LinuxSeccompAction, *uint, error) {
	data := uint(a.Data)
	switch a.Kind {
	case seccomp.ActKillProcess:
		return specs.ActKillProcess, nil, nil
	case seccomp.ActKillThread:
		return specs.ActKillThread, nil, nil
	case seccomp.ActTrap:
		return specs.ActTrap, nil, nil
	case seccomp.ActErrno:
		return specs.ActErrno, &data, nil
	case seccomp.ActTrace:
		return specs.ActTrace, &data, nil
	case seccomp.ActLog:
		return specs.ActLog, nil, nil
	case seccomp.ActAllow:
		return specs.ActAllow, nil, nil
	case seccomp.ActNotify:
		return specs.ActNotify, nil, nil
	}
	return "", nil, fmt.Errorf("invalid action %v", a)
}

func (ex *exporter) run() (*specs.LinuxSeccomp, error) {
	p := ex.p
	admitted := p.AdmittedArches()
	prof := &specs.LinuxSeccomp{}
	for _, a := range admitted {
		name := a.OCIName()
		if name == "" {
			return nil, fmt.Errorf("admitted ABI %v has no OCI name", a)
		}
		prof.Architectures = append(prof.Architectures, specs.Arch(name))
	}
	act, ret, err := ociAction(p.Default)
	if err != nil {
		return nil, fmt.Errorf("default action: %w", err)
	}
	prof.DefaultAction, prof.DefaultErrnoRet = act, ret
	if p.Default.Kind == seccomp.ActTrap && p.Default.Data != 0 {
		ex.warnf("the default action trap(%d) is written as SCMP_ACT_TRAP, whose data is 0", p.Default.Data)
	}
	if p.Default.Kind == seccomp.ActNotify {
		ex.warnf("runc refuses SCMP_ACT_NOTIFY as the default action")
	}
	if p.Unknown != nil {
		ex.warnf("the action for syscalls the tables do not know (%v) has no OCI equivalent: such syscalls get the default action %v (runc itself returns ENOSYS for numbers above the highest one the profile names)", *p.Unknown, p.Default)
	}
	if p.BadArchAction() != seccomp.KillThread {
		ex.warnf("the bad-arch action %v has no OCI equivalent: libseccomp, as runc and crun use it, kills the thread for other architectures", p.BadArchAction())
	}

	var names []string
	seen := map[string]bool{}
	for i := range p.Rules {
		r := &p.Rules[i]
		if _, _, err := ociAction(r.Action); err != nil {
			return nil, fmt.Errorf("rule %s: %w", ruleName(r), err)
		}
		if r.Action.Kind == seccomp.ActTrap && r.Action.Data != 0 {
			ex.warnf("rule %s: trap(%d) is written as SCMP_ACT_TRAP, whose data is 0", ruleName(r), r.Action.Data)
		}
		if !seen[r.Syscall] {
			seen[r.Syscall] = true
			names = append(names, r.Syscall)
		}
	}
	sort.Strings(names)

	groups := map[string]*specs.LinuxSyscall{}
	var order []string
	var groupEntries = map[string]entry{}
	for _, name := range names {
		entries, err := ex.syscall(name, admitted)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			k := e.key()
			g := groups[k]
			if g == nil {
				act, ret, _ := ociAction(e.action)
				g = &specs.LinuxSyscall{Action: act, ErrnoRet: ret, Args: e.args}
				groups[k] = g
				groupEntries[k] = e
				order = append(order, k)
			}
			if n := len(g.Names); n == 0 || g.Names[n-1] != name {
				g.Names = append(g.Names, name)
			}
		}
	}
	// Unconditional rules first, then by action (strictest first), then by
	// arguments: a stable layout that diffs well.
	sort.Slice(order, func(i, j int) bool {
		a, b := groupEntries[order[i]], groupEntries[order[j]]
		if (len(a.args) == 0) != (len(b.args) == 0) {
			return len(a.args) == 0
		}
		if a.action != b.action {
			return a.action.Stricter(b.action)
		}
		if c := compareArgs(a.args, b.args); c != 0 {
			return c < 0
		}
		return groups[order[i]].Names[0] < groups[order[j]].Names[0]
	})
	for _, k := range order {
		prof.Syscalls = append(prof.Syscalls, *groups[k])
	}
	if err := ex.checkMultiplexers(prof, admitted); err != nil {
		return nil, err
	}
	return prof, nil
}

// checkMultiplexers: on i386 libseccomp copies every rule for a socket or
// IPC call to socketcall(2) or ipc(2) with arg0 == the call's number (and
// the rule's other conditions), so the exported profile decides those two
// differently from the policy unless the policy already does the same. The
// profile is read back as runc would load it and the two compared.
func (ex *exporter) checkMultiplexers(prof *specs.LinuxSeccomp, admitted []syscalls.Arch) error {
	if !hasArch(admitted, syscalls.ArchI386) {
		return nil
	}
	data, err := json.Marshal(prof)
	if err != nil {
		return err
	}
	back, _, err := Import(data, ImportOptions{Arch: admitted[0], KernelVersion: "0.0"})
	if err != nil {
		return fmt.Errorf("reading the exported profile back: %w", err)
	}
	loaded := &exporter{p: back}
	for _, mux := range []string{"socketcall", "ipc"} {
		want, err := ex.decisions(mux, syscalls.ArchI386)
		if err != nil {
			return err
		}
		got, err := loaded.decisions(mux, syscalls.ArchI386)
		if err == nil && sameDecisions(want, got, dom32) {
			continue
		}
		family := "socket calls (socket, connect, sendto, ...)"
		if mux == "ipc" {
			family = "System V IPC calls (semop, msgsnd, shmat, ...)"
		}
		return fmt.Errorf("on i386, libseccomp also applies the policy's rules for %s to %s(2) with arg0 == the call's number, keeping the rules' other conditions (arguments that %s(2) passes in memory): the exported profile would decide %s %s instead of %s. Decide %s outright in the policy (allow or deny it unconditionally), or do not admit i386",
			family, mux, mux, mux, describe(entryKeys(got)), describe(entryKeys(want)), mux)
	}
	return nil
}

// compareArgs orders argument lists by index, operator, then values.
func compareArgs(a, b []specs.LinuxSeccompArg) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := a[i], b[i]
		switch {
		case x.Index != y.Index:
			return cmp.Compare(x.Index, y.Index)
		case x.Op != y.Op:
			return cmp.Compare(x.Op, y.Op)
		case x.Value != y.Value:
			return cmp.Compare(x.Value, y.Value)
		case x.ValueTwo != y.ValueTwo:
			return cmp.Compare(x.ValueTwo, y.ValueTwo)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func ruleName(r *seccomp.Rule) string {
	if r.Source != "" {
		return fmt.Sprintf("%s (%s)", r.Syscall, r.Source)
	}
	return r.Syscall
}

// syscall computes the OCI rules of one syscall name. OCI applies each rule
// to every architecture of the profile, so the policy's decisions must be
// the same function on every admitted ABI where the name is a syscall, as
// libseccomp compares there (64 bits, or the low halves on i386, x32 and
// arm).
func (ex *exporter) syscall(name string, admitted []syscalls.Arch) ([]entry, error) {
	var exists []syscalls.Arch
	for _, a := range admitted {
		if nr, ok := syscalls.Number(a, name); ok {
			if canon, _ := syscalls.Name(a, nr); canon == name {
				exists = append(exists, a)
			}
		}
	}
	if len(exists) == 0 {
		ex.warnf("rules for %q left out: it is not a syscall of %s", name, archList(admitted))
		return nil, nil
	}
	rep := exists[0]
	for _, a := range exists {
		if domainOf(a) == dom64 {
			rep = a
			break
		}
	}
	repEntries, err := ex.decisions(name, rep)
	if err != nil {
		return nil, err
	}
	for _, a := range exists {
		if a == rep {
			continue
		}
		mine, err := ex.decisions(name, a)
		if err != nil {
			return nil, err
		}
		if !sameDecisions(repEntries, mine, domainOf(a)) {
			return nil, fmt.Errorf("syscall %s: the policy decides it differently on %v and %v, and an OCI profile cannot: each of its rules applies to every architecture in the profile, compared in 64 bits on 64-bit ABIs and in the low 32 bits on i386, x32 and arm (%s on %v vs %s on %v)",
				name, rep, a, describe(entryKeys(repEntries)), rep, describe(entryKeys(mine)), a)
		}
	}
	return repEntries, nil
}

// sameDecisions reports whether two OCI decision lists decide alike where
// libseccomp compares in domain d (the lists' values cut to d's width): for
// every action, the regions where its rules hold are equal. Equal regions
// for every action also mean that rules with different actions do not
// overlap there, since each list's regions are disjoint. Undecidable within
// the size limits counts as different.
func sameDecisions(a, b []entry, d domain) bool {
	region := func(es []entry, act seccomp.Action) dnf {
		var f dnf
		for _, e := range es {
			if e.action != act {
				continue
			}
			if c, ok := ociToConj(e.args, d); ok {
				f = append(f, c)
			}
		}
		return simplifyAll(f, d)
	}
	actions := map[seccomp.Action]bool{}
	for _, e := range append(append([]entry(nil), a...), b...) {
		actions[e.action] = true
	}
	for act := range actions {
		ra, rb := region(a, act), region(b, act)
		for _, pair := range [][2]dnf{{ra, rb}, {rb, ra}} {
			notB, err := not(pair[1], d)
			if err != nil {
				return false
			}
			diff, err := and(pair[0], notB, d)
			if err != nil || !emptyDNF(diff, d) {
				return false
			}
		}
	}
	return true
}

// emptyDNF decides exactly whether no argument values satisfy f: a
// conjunction holds somewhere iff it has an OCI form with at least one rule.
func emptyDNF(f dnf, d domain) bool {
	for _, c := range f {
		rules, err := ociRules(c, d)
		if err != nil || len(rules) > 0 {
			return false
		}
	}
	return true
}

// decisions is the decision list of one syscall on one ABI with
// non-overlapping conditions: for each action, strictest first, where its
// rules hold and no stricter rule's do. The default action's regions are
// left out (runc drops rules with the default action anyway).
func (ex *exporter) decisions(name string, abi syscalls.Arch) ([]entry, error) {
	d := domainOf(abi)
	byAction := map[seccomp.Action]dnf{}
	var actions []seccomp.Action
	for i := range ex.p.Rules {
		r := &ex.p.Rules[i]
		if r.Syscall != name || !ruleAdmits(r, abi) {
			continue
		}
		f, err := toDNF(r.When, false, abi)
		if err != nil {
			return nil, fmt.Errorf("rule %s on %v: %v", ruleName(r), abi, err)
		}
		if _, ok := byAction[r.Action]; !ok {
			actions = append(actions, r.Action)
		}
		if byAction[r.Action], err = or(byAction[r.Action], f, d); err != nil {
			return nil, fmt.Errorf("rule %s on %v: %v", ruleName(r), abi, err)
		}
	}
	sort.Slice(actions, func(i, j int) bool { return actions[i].Stricter(actions[j]) })
	var covered dnf
	var out []entry
	for _, act := range actions {
		here := byAction[act]
		notCovered, err := not(covered, d)
		if err != nil {
			return nil, fmt.Errorf("syscall %s on %v: %v", name, abi, err)
		}
		region, err := and(here, notCovered, d)
		if err != nil {
			return nil, fmt.Errorf("syscall %s on %v: %v", name, abi, err)
		}
		if covered, err = or(covered, here, d); err != nil {
			return nil, fmt.Errorf("syscall %s on %v: %v", name, abi, err)
		}
		if act == ex.p.Default {
			continue
		}
		for _, c := range region {
			rules, err := ociRules(c, d)
			if err != nil {
				return nil, fmt.Errorf("syscall %s on %v: %v", name, abi, err)
			}
			for _, args := range rules {
				out = append(out, entry{act, args})
			}
		}
	}
	return out, nil
}

func entryKeys(es []entry) []string {
	set := map[string]bool{}
	for _, e := range es {
		set[e.key()] = true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func describe(keys []string) string {
	if len(keys) == 0 {
		return "[default]"
	}
	return "[" + strings.Join(keys, "; ") + "]"
}

// spoProfile is a Security Profiles Operator SeccompProfile resource.
type spoProfile struct {
	APIVersion string      `yaml:"apiVersion"`
	Kind       string      `yaml:"kind"`
	Metadata   spoMetadata `yaml:"metadata"`
	Spec       spoSpec     `yaml:"spec"`
}

type spoMetadata struct {
	Name string `yaml:"name"`
}

type spoSpec struct {
	DefaultAction string       `yaml:"defaultAction"`
	Architectures []string     `yaml:"architectures,omitempty"`
	Syscalls      []spoSyscall `yaml:"syscalls,omitempty"`
}

type spoSyscall struct {
	Action   string   `yaml:"action"`
	Names    []string `yaml:"names"`
	ErrnoRet *uint    `yaml:"errnoRet,omitempty"`
	Args     []spoArg `yaml:"args,omitempty"`
}

type spoArg struct {
	Index    uint   `yaml:"index"`
	Value    uint64 `yaml:"value"`
	ValueTwo uint64 `yaml:"valueTwo,omitempty"`
	Op       string `yaml:"op"`
}

// ExportSPO writes p as a Security Profiles Operator SeccompProfile
// (security-profiles-operator.x-k8s.io/v1beta1) named name, in YAML. The
// rules are Export's; the SPO spec has no default errno, so a default
// errno other than EPERM is a warning (the runtime returns EPERM).
func ExportSPO(p *seccomp.Policy, name string, opts ExportOptions) ([]byte, []Warning, error) {
	prof, warns, err := Convert(p, opts)
	if err != nil {
		return nil, warns, err
	}
	if prof.DefaultErrnoRet != nil && *prof.DefaultErrnoRet != 1 {
		warns = append(warns, Warning{Msg: fmt.Sprintf("a SeccompProfile has no default errno: the default action returns EPERM, not %d", *prof.DefaultErrnoRet)})
	}
	out := spoProfile{
		APIVersion: "security-profiles-operator.x-k8s.io/v1beta1",
		Kind:       "SeccompProfile",
		Metadata:   spoMetadata{Name: name},
		Spec:       spoSpec{DefaultAction: string(prof.DefaultAction)},
	}
	for _, a := range prof.Architectures {
		out.Spec.Architectures = append(out.Spec.Architectures, string(a))
	}
	for _, s := range prof.Syscalls {
		sc := spoSyscall{Action: string(s.Action), Names: s.Names, ErrnoRet: s.ErrnoRet}
		for _, a := range s.Args {
			sc.Args = append(sc.Args, spoArg{Index: a.Index, Value: a.Value, ValueTwo: a.ValueTwo, Op: string(a.Op)})
		}
		out.Spec.Syscalls = append(out.Spec.Syscalls, sc)
	}
	b, err := yaml.Marshal(&out)
	return b, warns, err
}
