package learn

import (
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Merge returns a policy that admits what either learned policy admits: the
// union of ABIs and of rules (identical rules once), a's default, and a's hot
// list followed by b's new entries. For learned policies, whose rules all
// allow, the union of rules is the union of what they admit.
func Merge(a, b *seccomp.Policy) *seccomp.Policy {
	out := *a
	out.Arches = unionArches(a.AdmittedArches(), b.AdmittedArches())
	out.Rules = nil
	seen := map[string]bool{}
	for _, r := range append(append([]seccomp.Rule(nil), a.Rules...), b.Rules...) {
		k := ruleKey(r)
		if seen[k] {
			continue
		}
		seen[k] = true
		out.Rules = append(out.Rules, r)
	}
	out.Hot = append([]string(nil), a.Hot...)
	for _, h := range b.Hot {
		if !contains(out.Hot, h) {
			out.Hot = append(out.Hot, h)
		}
	}
	return &out
}

func ruleKey(r seccomp.Rule) string {
	k := r.Syscall + "|" + r.Action.String() + "|"
	for _, a := range r.Arches {
		k += a.String() + ","
	}
	if r.When != nil {
		k += "|" + r.When.String()
	}
	return k
}

func unionArches(a, b []syscalls.Arch) []syscalls.Arch {
	out := append([]syscalls.Arch(nil), a...)
	for _, x := range b {
		found := false
		for _, y := range out {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}
