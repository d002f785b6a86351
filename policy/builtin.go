package policy

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
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

// BuiltinFor is Builtin as a build of ringfence for ABI native resolves it.
// A built-in policy without an arch statement admits the native ABI only,
// so what it compiles to differs between builds; BuiltinFor lets one machine
// compile every build's filter (package prebuilt does). The result names
// native in Arches, which decides and compiles exactly as leaving Arches
// empty does on that build.
func BuiltinFor(name string, native syscalls.Arch) (*seccomp.Policy, error) {
	if _, err := BuiltinSource(name); err != nil {
		return nil, err
	}
	files, err := LoadFiles(builtinPath(name), LoadOptions{FS: builtinFS})
	if err != nil {
		return nil, err
	}
	if !hasArchStmt(files) {
		files[0].Stmts = append(files[0].Stmts, &ArchStmt{Arches: []*Name{{Name: native.String()}}})
	}
	return Resolve(files...)
}

func hasArchStmt(files []*File) bool {
	for _, f := range files {
		for _, s := range f.Stmts {
			if _, ok := s.(*ArchStmt); ok {
				return true
			}
		}
	}
	return false
}

func builtinPath(name string) string {
	return path.Join("builtin", strings.TrimSuffix(name, ".policy")+".policy")
}
