//go:build cgo

package sandbox

/*
#include <stdlib.h>
#include "gate_linux.h"
*/
import "C"

import (
	"fmt"
	"syscall"
	"unsafe"
)

// gateStart runs the exec gate and returns CMD's pid and, with Notify, the
// seccomp listener fd (else -1).
func gateStart(s *gateSpec) (pid, listener int, err error) {
	if len(s.Rlimits) > C.GATE_MAX_RLIMITS {
		return -1, -1, fmt.Errorf("too many rlimits")
	}
	var a C.struct_gate_args
	a.path = C.CString(s.Path)
	a.argv = cStrings(s.Argv)
	a.envp = cStrings(s.Envp)
	if s.Dir != "" {
		a.dir = C.CString(s.Dir)
	}
	a.uid, a.gid = C.int(s.UID), C.int(s.GID)
	a.setgroups = cBool(s.SetGroups)
	a.cap_last = C.int(s.CapLast)
	a.new_session = cBool(s.NewSession)
	a.ctty = cBool(s.CTTY)
	a.dumpable = cBool(s.Dumpable)
	if len(s.KeepFDs) > 0 {
		keep := (*C.int)(C.malloc(C.size_t(len(s.KeepFDs)) * C.size_t(unsafe.Sizeof(C.int(0)))))
		ks := unsafe.Slice(keep, len(s.KeepFDs))
		for i, fd := range s.KeepFDs {
			ks[i] = C.int(fd)
		}
		a.keep_fds = keep
		a.nkeep = C.int(len(s.KeepFDs))
	}
	for i, rl := range s.Rlimits {
		a.rlimits[i].resource = C.int(rl.Resource)
		a.rlimits[i].cur = C.uint64_t(rl.Cur)
		a.rlimits[i].max = C.uint64_t(rl.Max)
	}
	a.nrlimits = C.int(len(s.Rlimits))
	a.landlock_fd = C.int(s.LandlockFD)
	if len(s.Filter) > 0 {
		a.filter = C.CBytes(s.Filter)
		a.filter_len = C.ushort(len(s.Filter) / 8)
		a.seccomp_flags = C.uint(s.SeccompFlag)
		a.notify = cBool(s.Notify)
	}
	var r C.struct_gate_result
	if C.gate_spawn(&a, &r) < 0 {
		return -1, -1, &StageError{
			Stage: C.GoString(&r.stage[0]),
			Op:    C.GoString(&r.op[0]),
			Errno: syscall.Errno(r.err),
			Path:  pathFor(C.GoString(&r.stage[0]), s),
		}
	}
	return int(r.pid), int(r.listener_fd), nil
}

func pathFor(stage string, s *gateSpec) string {
	switch stage {
	case "exec":
		return s.Path
	case "chdir":
		return s.Dir
	}
	return ""
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// cStrings is a NULL-terminated char*[] in C memory. The init execs or
// exits soon after, so it is never freed.
func cStrings(ss []string) **C.char {
	arr := (**C.char)(C.malloc(C.size_t(len(ss)+1) * C.size_t(unsafe.Sizeof(uintptr(0)))))
	as := unsafe.Slice(arr, len(ss)+1)
	for i, s := range ss {
		as[i] = C.CString(s)
	}
	as[len(ss)] = nil
	return arr
}
