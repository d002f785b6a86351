package policy

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ringfence/ringfence/seccomp"
)

// LoadOptions says where Load reads files from.
type LoadOptions struct {
	// FS, when set, is where the policy and its includes are read from
	// (an embed.FS, an fstest.MapFS, os.DirFS). Nil: the OS file system.
	FS fs.FS
}

// Load reads the policy at path and every file it includes, and resolves
// them into the IR. Includes are relative to the including file; a file
// included twice is read once; an include cycle is an error.
func Load(name string, opts LoadOptions) (*seccomp.Policy, error) {
	files, err := LoadFiles(name, opts)
	if err != nil {
		return nil, err
	}
	return Resolve(files...)
}

// LoadSource is Load for a root policy given as text (standard input, a
// test); its includes are read through opts.
func LoadSource(name string, src []byte, opts LoadOptions) (*seccomp.Policy, error) {
	files, err := loadTree(name, src, opts)
	if err != nil {
		return nil, err
	}
	return Resolve(files...)
}

// LoadFiles parses the policy at name and, transitively, its includes: the
// root first, then each included file in the order first included.
func LoadFiles(name string, opts LoadOptions) ([]*File, error) {
	src, err := opts.read(name)
	if err != nil {
		return nil, err
	}
	return loadTree(name, src, opts)
}

func loadTree(name string, src []byte, opts LoadOptions) ([]*File, error) {
	l := &loader{opts: opts, errs: &errorSink{}, seen: map[string]bool{}}
	l.load(name, src, nil)
	if err := l.errs.list.Err(); err != nil {
		return nil, err
	}
	return l.files, nil
}

func (o LoadOptions) read(name string) ([]byte, error) {
	if o.FS != nil {
		return fs.ReadFile(o.FS, name)
	}
	return os.ReadFile(name)
}

// includeTarget is the file an include names: relative to the including
// file's directory unless absolute.
func includeTarget(from, inc string) string {
	if filepath.IsAbs(inc) {
		return path.Clean(inc)
	}
	return path.Join(path.Dir(from), inc)
}

type loader struct {
	opts  LoadOptions
	errs  *errorSink
	seen  map[string]bool
	files []*File
}

func (l *loader) load(name string, src []byte, stack []string) {
	l.seen[name] = true
	f := parse(name, src, l.errs)
	l.files = append(l.files, f)
	stack = append(stack, name)
	for _, s := range f.Stmts {
		inc, ok := s.(*IncludeStmt)
		if !ok {
			continue
		}
		target := includeTarget(name, inc.Path)
		if i := indexOf(stack, target); i >= 0 {
			cycle := append(append([]string(nil), stack[i:]...), target)
			l.errs.add(&Error{Pos: inc.At, Msg: "include cycle: " + strings.Join(cycle, " -> "),
				Expected: "a file that does not include itself, directly or through others"})
			continue
		}
		if l.seen[target] {
			continue
		}
		if l.opts.FS != nil && !fs.ValidPath(target) {
			l.errs.add(&Error{Pos: inc.At, Msg: fmt.Sprintf("cannot include %q: the path leaves the policy directory", inc.Path),
				Expected: "a path below the including file's directory"})
			continue
		}
		data, err := l.opts.read(target)
		if err != nil {
			msg := err.Error()
			if errors.Is(err, fs.ErrNotExist) {
				msg = "no such file"
			}
			l.errs.add(&Error{Pos: inc.At, Msg: fmt.Sprintf("cannot include %q (%s): %s", inc.Path, target, msg),
				Expected: "a path relative to the including file"})
			l.seen[target] = true
			continue
		}
		l.load(target, data, stack)
	}
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}
