package syscalls

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// groupsText defines the syscall groups (see its header for the format).
//
//go:embed groups.txt
var groupsText string

type group struct {
	desc    string
	members []string // as written: names and @groups
}

// groupData parses groups.txt and expands it on first use (see abiTables):
// defs as written; expanded, each group's members that some table knows;
// unknown, the names no table knows (other arches, removed calls).
var groupData = sync.OnceValue(func() (g struct {
	defs              map[string]*group
	expanded, unknown map[string][]string
}) {
	g.defs = mustParseGroups(groupsText)
	g.expanded, g.unknown = expandGroups(g.defs)
	return g
})

func expandGroups(defs map[string]*group) (known, unknown map[string][]string) {
	known, unknown = map[string][]string{}, map[string][]string{}
	for name := range defs {
		k, u, err := expandGroup(defs, name)
		if err != nil {
			panic("syscalls: groups.txt: " + err.Error()) // embedded data; TestGroups guards it
		}
		known[name], unknown[name] = k, u
	}
	return known, unknown
}

func mustParseGroups(text string) map[string]*group {
	g, err := parseGroups(text)
	if err != nil {
		panic("syscalls: groups.txt: " + err.Error()) // embedded data; TestGroups guards it
	}
	return g
}

// parseGroups reads "@name description" lines, each followed by indented
// member lines.
func parseGroups(text string) (map[string]*group, error) {
	groups := map[string]*group{}
	var cur *group
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, desc, _ := strings.Cut(trimmed, " ")
			if !strings.HasPrefix(name, "@") || len(name) < 2 {
				return nil, fmt.Errorf("line %d: a group starts with @name, got %q", i+1, name)
			}
			if _, dup := groups[name]; dup {
				return nil, fmt.Errorf("line %d: %s defined twice", i+1, name)
			}
			cur = &group{desc: strings.TrimSpace(desc)}
			groups[name] = cur
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: members before the first @group line", i+1)
		}
		cur.members = append(cur.members, strings.Fields(trimmed)...)
	}
	for name, g := range groups {
		for _, m := range g.members {
			if strings.HasPrefix(m, "@") && groups[m] == nil {
				return nil, fmt.Errorf("%s includes unknown group %s", name, m)
			}
		}
	}
	return groups, nil
}

// expandGroup resolves nested groups; it returns the members some table
// knows and those none does, both sorted and without duplicates.
func expandGroup(groups map[string]*group, name string) (known, unknown []string, err error) {
	seen := map[string]bool{}
	state := map[string]int{} // 1: being expanded, 2: done
	var walk func(n string, path []string) error
	walk = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("group cycle %s -> %s", strings.Join(path, " -> "), n)
		case 2:
			return nil
		}
		state[n] = 1
		for _, m := range groups[n].members {
			if strings.HasPrefix(m, "@") {
				if err := walk(m, append(path, n)); err != nil {
					return err
				}
				continue
			}
			if seen[m] {
				continue
			}
			seen[m] = true
			if Known(m) {
				known = append(known, m)
			} else {
				unknown = append(unknown, m)
			}
		}
		state[n] = 2
		return nil
	}
	if err := walk(name, nil); err != nil {
		return nil, nil, err
	}
	sort.Strings(known)
	sort.Strings(unknown)
	return known, unknown, nil
}

func groupKey(name string) string {
	if !strings.HasPrefix(name, "@") {
		return "@" + name
	}
	return name
}

// Group returns the members of a group ("@network-io"; the @ may be left
// out), fully expanded through nested groups, sorted, keeping only names
// that are a syscall on at least one ABI. The slice is a copy.
func Group(name string) ([]string, bool) {
	m, ok := groupData().expanded[groupKey(name)]
	if !ok {
		return nil, false
	}
	return append([]string(nil), m...), true
}

// GroupNames returns every group name, with its @, sorted.
func GroupNames() []string {
	n := make([]string, 0, len(groupData().defs))
	for k := range groupData().defs {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// GroupDescription returns the one-line description of a group ("" if unknown).
func GroupDescription(name string) string {
	if g, ok := groupData().defs[groupKey(name)]; ok {
		return g.desc
	}
	return ""
}

// GroupIncludes returns the groups a group names directly, sorted.
func GroupIncludes(name string) []string {
	g, ok := groupData().defs[groupKey(name)]
	if !ok {
		return nil
	}
	var inc []string
	for _, m := range g.members {
		if strings.HasPrefix(m, "@") {
			inc = append(inc, m)
		}
	}
	sort.Strings(inc)
	return inc
}
