//go:build cgo

package sandbox

/*
#include <stdlib.h>
#include "pidns_linux.h"
*/
import "C"

import (
	"os"
	"syscall"
	"unsafe"
)

// memfdNoexecPath is vm.memfd_noexec, a per-pid-namespace sysctl (Linux
// 6.3+): 2 means no memfd can ever be executed in that namespace.
const memfdNoexecPath = "/proc/sys/vm/memfd_noexec"

// memfdNoexecSettable reports whether this supervisor can close the memfd
// hole: the kernel has the sysctl and we are global root (the only writer
// the kernel accepts; a rootless sandbox keeps the hole, see SECURITY.md).
func memfdNoexecSettable() bool {
	if os.Geteuid() != 0 {
		return false
	}
	_, err := os.Stat(memfdNoexecPath)
	return err == nil
}

// setMemfdNoexec sets vm.memfd_noexec to 2 in the pid namespace of the
// sandbox's init (pid), before CMD exists: Landlock's "no execute from
// writable places" does not cover memfds, this does.
func setMemfdNoexec(pid int) error {
	path := C.CString(memfdNoexecPath)
	defer C.free(unsafe.Pointer(path))
	value := C.CString("2")
	defer C.free(unsafe.Pointer(value))
	var op [32]C.char
	if e := C.pidns_write(C.int(pid), path, value, &op[0], C.int(len(op))); e != 0 {
		return &StageError{Stage: "memfd", Op: C.GoString(&op[0]), Path: memfdNoexecPath, Errno: syscall.Errno(e)}
	}
	return nil
}
