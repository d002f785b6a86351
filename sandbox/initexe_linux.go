package sandbox

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
)

// initExecutable is what Start executes as the sandbox's init stage.
var initExecutable atomic.Pointer[string]

// SetInitExecutable makes Start run path as the init stage instead of
// re-executing the program itself (/proc/self/exe). path must be a program
// built from the same ringfence source that calls Init first thing, such as
// cmd/ringfence-init: a small executable starts faster than a large one,
// and the init stage is started once per sandbox. Because the init runs with
// every capability of the sandbox's user namespace, the file and its
// directory must be owned by root or by the caller and not writable by
// anyone else; an empty path restores the default.
func SetInitExecutable(path string) error {
	if path == "" {
		initExecutable.Store(nil)
		return nil
	}
	for _, p := range []string{path, dirOf(path)} {
		var st syscall.Stat_t
		if err := syscall.Stat(p, &st); err != nil {
			return fmt.Errorf("sandbox: init executable: %w", err)
		}
		if st.Uid != 0 && int(st.Uid) != os.Geteuid() {
			return fmt.Errorf("sandbox: init executable: %s is owned by uid %d, neither root nor you", p, st.Uid)
		}
		if st.Mode&0o022 != 0 {
			return fmt.Errorf("sandbox: init executable: %s is writable by group or others (mode %o)", p, st.Mode&0o777)
		}
	}
	initExecutable.Store(&path)
	return nil
}

func initPath() string {
	if p := initExecutable.Load(); p != nil {
		return *p
	}
	return "/proc/self/exe"
}

func dirOf(path string) string {
	for i := len(path) - 1; i > 0; i-- {
		if path[i] == '/' {
			return path[:i]
		}
	}
	if len(path) > 0 && path[0] == '/' {
		return "/"
	}
	return "."
}
