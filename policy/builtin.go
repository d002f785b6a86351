package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/ringfence/ringfence/seccomp"
)

// builtinFS holds the policies shipped inside the binary. Built-in
// policies may include each other by file name.
//
//go:embed builtin/*.policy
var builtinFS embed.FS

// BuiltinNames lists the built-in policies ("default", ...), sorted.
func BuiltinNames() []string {
	entries, _ := fs.ReadDir(builtinFS, "builtin")
	var out []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".policy"); ok {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// BuiltinSource returns the text of a built-in policy.
func BuiltinSource(name string) ([]byte, error) {
	b, err := fs.ReadFile(builtinFS, builtinPath(name))
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, fmt.Errorf("no built-in policy %q (built-in: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return b, nil
}

// Builtin loads and resolves a built-in policy.
func Builtin(name string) (*seccomp.Policy, error) {
	if _, err := BuiltinSource(name); err != nil {
		return nil, err
	}
	return Load(builtinPath(name), LoadOptions{FS: builtinFS})
}

func builtinPath(name string) string {
	return path.Join("builtin", strings.TrimSuffix(name, ".policy")+".policy")
}
