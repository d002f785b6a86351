// Command gen rewrites prebuilt/filters from the built-in policies and the
// compiler as they are now; `go generate ./prebuilt` runs it in the package
// directory.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/ringfence/ringfence/prebuilt"
)

func main() {
	if err := generate(); err != nil {
		fmt.Fprintln(os.Stderr, "prebuilt/gen:", err)
		os.Exit(1)
	}
}

func generate() error {
	filters, err := prebuilt.CompileAll()
	if err != nil {
		return err
	}
	// Filters of a policy or ABI that is gone go too.
	old, err := filepath.Glob(filepath.Join(prebuilt.Dir, "*.bpf"))
	if err != nil {
		return err
	}
	for _, path := range old {
		if _, keep := filters[path]; !keep {
			if err := os.Remove(path); err != nil {
				return err
			}
		}
	}
	for path, b := range filters {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
