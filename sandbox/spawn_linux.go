//go:build cgo

package sandbox

/*
#include <stdlib.h>
#include <unistd.h>
#include "init_linux.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// spawnInit starts the C init and returns its pid and a pidfd: the
// preforked one when this program has it (prefork_linux.c) and the plan
// suits it, else a fork of this process with clone3(flags). The init maps
// its own ids; when spec.syncR >= 0 it then waits for the supervisor's 'G'.
func spawnInit(s *initSpec, flags uint64) (pid, pidfd int, err error) {
	var pre C.struct_rf_prefork
	if C.rf_prefork_take(&pre) != 0 {
		if pid, pidfd, ok := releasePreforked(&pre, s, flags); ok {
			preforkTaken.Store(true)
			return pid, pidfd, nil
		}
	}
	var ar cArena
	defer ar.free()
	a, err := ar.initArgs(s, func(fd int) C.int { return C.int(fd) })
	if err != nil {
		return -1, -1, err
	}
	var cpidfd, cerr C.int
	p := C.rf_spawn(a, C.uint64_t(flags), &cpidfd, &cerr)
	if p < 0 {
		return -1, -1, fmt.Errorf("sandbox: starting the init stage: clone3: %w (user namespaces may be disabled: see /proc/sys/user/max_user_namespaces)", syscall.Errno(cerr))
	}
	return int(p), int(cpidfd), nil
}

// wakePrefork tells a waiting preforked init that a plan is being made.
func wakePrefork() { C.rf_prefork_wake() }

// preforkTaken says a sandbox of this program runs in the preforked init.
var preforkTaken atomic.Bool

// releasePreforked writes the plan into the preforked init's shared arena
// and sends it, with the fds the init inherits. ok is false, and the init
// is gone, when the plan does not suit it: other namespaces than the ones
// it was cloned into (this program changed its uid, say), more plan than
// arena, more fds than one message carries.
func releasePreforked(pre *C.struct_rf_prefork, s *initSpec, flags uint64) (pid, pidfd int, ok bool) {
	arena := unsafe.Slice((*byte)(pre.arena), int(pre.arena_size))
	defer unix.Munmap(arena) // the init has its own mapping
	ar := cArena{rest: arena, shared: true}
	defer ar.free()
	var fds []C.int // the init's fd fields are indices into these
	a, err := ar.initArgs(s, func(fd int) C.int {
		if fd < 0 {
			return -1
		}
		fds = append(fds, C.int(fd))
		return C.int(len(fds) - 1)
	})
	cloned := uint64(pre.flags)
	unshare := s.unshareFlags
	if !s.twoStep {
		unshare = flags &^ cloned
	}
	suits := err == nil && !ar.spilled && len(fds) <= C.RF_MAX_FDS &&
		cloned&^flags == 0 && s.twoStep == (cloned&unix.CLONE_NEWUSER == 0) &&
		(pre.speculated == 0 || entered(&pre.spec, s, unshare))
	if !suits {
		C.close(pre.sock) // which ends the waiting init
	} else {
		a.unshare_flags = C.uint64_t(unshare)
		fds = append(fds, 0) // &fds[0] when there are none
		suits = C.rf_prefork_release(pre.sock, a, &fds[0], C.int(len(fds)-1)) == 0
	}
	if !suits {
		_ = unix.Waitid(unix.P_PIDFD, int(pre.pidfd), nil, unix.WEXITED, nil)
		unix.Close(int(pre.pidfd))
		return -1, -1, false
	}
	return int(pre.pid), int(pre.pidfd), true
}

// entered says whether the identity and namespaces a speculating
// preforked init took (spec) are the plan's.
func entered(spec *C.struct_rf_identity, s *initSpec, unshare uint64) bool {
	return (spec.host_ids != 0) == s.twoStep && int(spec.host_uid) == s.hostUID && int(spec.host_gid) == s.hostGID &&
		int(spec.uid) == s.uid && int(spec.gid) == s.gid && uint64(spec.unshare_flags) == unshare
}

// initArgs copies the plan into C memory; fd maps each fd field's value.
func (ar *cArena) initArgs(s *initSpec, fd func(int) C.int) (*C.struct_rf_init_args, error) {
	a := (*C.struct_rf_init_args)(ar.alloc(C.sizeof_struct_rf_init_args))
	for i, f := range s.stdio {
		a.stdio[i] = fd(f)
	}
	keepSrc := make([]int, len(s.keepSrc))
	for i, f := range s.keepSrc {
		keepSrc[i] = int(fd(f))
	}
	a.keep_src, a.keep_dst, a.nkeep = ar.ints(keepSrc), ar.ints(s.keepDst), C.int(len(s.keepSrc))
	a.sock, a.sync_r = fd(s.sock), fd(s.syncR)
	trees := make([]int, len(s.trees))
	for i, f := range s.trees {
		trees[i] = int(fd(f))
	}
	a.trees, a.ntrees = ar.ints(trees), C.int(len(s.trees))
	a.two_step, a.memfd_noexec, a.unshare_flags = cBool(s.twoStep), cBool(s.memfdNoexec), C.uint64_t(s.unshareFlags)
	a.uid, a.gid = C.int(s.uid), C.int(s.gid)
	a.host_uid, a.host_gid = C.int(s.hostUID), C.int(s.hostGID)
	a.ops, a.nops = ar.ops(s.ops), C.int(len(s.ops))
	a.tty, a.tty_rows, a.tty_cols = cBool(s.tty), C.ushort(s.ttyRows), C.ushort(s.ttyCols)
	if s.hostname != "" {
		a.hostname = ar.str(s.hostname)
	}
	a.lo_up = cBool(s.loUp)
	a.new_time = cBool(s.newTime)
	if l := s.landlock; l != nil {
		a.landlock = 1
		a.ll_handled_fs, a.ll_scoped = C.uint64_t(l.handled), C.uint64_t(l.scoped)
		a.ll_file_rights, a.ll_exec_rights = C.uint64_t(l.fileRights), C.uint64_t(l.execRights)
		a.ll_attr_size = C.ulong(l.attrSize)
		a.rules, a.nrules = ar.rules(l.rules), C.int(len(l.rules))
		a.ll_writable, a.nwritable = ar.strs(l.writable), C.int(len(l.writable))
		a.ll_noexec, a.nnoexec = ar.strs(l.noExecDirs), C.int(len(l.noExecDirs))
	}
	a.cmd, a.path_env = ar.str(s.cmd), ar.str(s.pathEnv)
	a.resolved = (*C.char)(ar.alloc(4096))
	if err := ar.gateArgs(&s.gate, &a.gate); err != nil {
		return nil, err
	}
	return a, nil
}

// postExecSupported says whether CMD can be changed after execve on this
// architecture (inject_linux.c).
func postExecSupported() bool { return C.gate_post_exec_supported() != 0 }

// cArena holds the C memory of one spawn: blocks from malloc, cut into
// zeroed pieces by bumping a pointer (one cgo call per block, not per
// string, and only the bytes used are touched: a page fault costs ~14 us
// on the VMs we measure on), all freed together once the init has its copy.
// A shared arena (the preforked init's, given as rest) is cut the same
// way; spilled says some piece did not fit and came from malloc instead.
type cArena struct {
	blocks  [][]byte
	rest    []byte // the unused rest of the current block
	shared  bool
	spilled bool
}

const cArenaBlock = 16 << 10

func (ar *cArena) alloc(n int) unsafe.Pointer {
	n = (max(n, 1) + 15) &^ 15 // 16-byte aligned pieces
	if n > len(ar.rest) {
		ar.spilled = ar.shared
		size := max(n, cArenaBlock)
		b := unsafe.Slice((*byte)(C.malloc(C.size_t(size))), size)
		ar.blocks = append(ar.blocks, b)
		ar.rest = b
	}
	piece := ar.rest[:n]
	clear(piece)
	ar.rest = ar.rest[n:]
	return unsafe.Pointer(&piece[0])
}

func (ar *cArena) free() {
	for _, b := range ar.blocks {
		C.free(unsafe.Pointer(&b[0]))
	}
	ar.blocks, ar.rest = nil, nil
}

func (ar *cArena) str(s string) *C.char {
	p := ar.alloc(len(s) + 1)
	copy(unsafe.Slice((*byte)(p), len(s)), s)
	return (*C.char)(p)
}

// strs is a NULL-terminated char*[].
func (ar *cArena) strs(ss []string) **C.char {
	arr := unsafe.Slice((**C.char)(ar.alloc((len(ss)+1)*int(unsafe.Sizeof(uintptr(0))))), len(ss)+1)
	for i, s := range ss {
		arr[i] = ar.str(s)
	}
	return &arr[0]
}

func (ar *cArena) ints(v []int) *C.int {
	arr := unsafe.Slice((*C.int)(ar.alloc(len(v)*int(unsafe.Sizeof(C.int(0))))), max(len(v), 1))
	for i, x := range v {
		arr[i] = C.int(x)
	}
	return &arr[0]
}

func (ar *cArena) ops(ops []fsOp) *C.struct_rf_op {
	arr := unsafe.Slice((*C.struct_rf_op)(ar.alloc(len(ops)*C.sizeof_struct_rf_op)), max(len(ops), 1))
	for i, op := range ops {
		o := &arr[i]
		o.kind, o.optional, o.slot = C.int(op.kind), cBool(op.optional), C.int(op.slot)
		o.mode, o.flags, o.attr = C.uint(op.mode), C.ulong(op.flags), C.uint64_t(op.attr)
		o.path = ar.str(op.path)
		o.source, o.fstype, o.data = ar.optStr(op.source), ar.optStr(op.fstype), ar.optStr(op.data)
	}
	return &arr[0]
}

// optStr is NULL for "".
func (ar *cArena) optStr(s string) *C.char {
	if s == "" {
		return nil
	}
	return ar.str(s)
}

func (ar *cArena) rules(rs []landlockRule) *C.struct_rf_rule {
	arr := unsafe.Slice((*C.struct_rf_rule)(ar.alloc(len(rs)*C.sizeof_struct_rf_rule)), max(len(rs), 1))
	for i, r := range rs {
		arr[i].path, arr[i].rights = ar.str(r.path), C.uint64_t(r.rights)
	}
	return &arr[0]
}

// gateArgs fills the exec gate's arguments (gate_linux.h).
func (ar *cArena) gateArgs(s *gateSpec, a *C.struct_gate_args) error {
	if len(s.Rlimits) > C.GATE_MAX_RLIMITS {
		return fmt.Errorf("sandbox: too many rlimits")
	}
	a.argv, a.envp = ar.strs(s.Argv), ar.strs(s.Envp)
	a.dir = ar.str(s.Dir)
	a.uid, a.gid = C.int(s.UID), C.int(s.GID)
	a.cap_last = C.int(s.CapLast)
	a.new_session, a.ctty = cBool(s.NewSession), cBool(s.CTTY)
	if len(s.KeepFDs) > 0 {
		a.keep_fds, a.nkeep = ar.ints(s.KeepFDs), C.int(len(s.KeepFDs))
	}
	for i, rl := range s.Rlimits {
		a.rlimits[i].resource = C.int(rl.Resource)
		a.rlimits[i].cur, a.rlimits[i].max = C.uint64_t(rl.Cur), C.uint64_t(rl.Max)
	}
	a.nrlimits = C.int(len(s.Rlimits))
	a.landlock_fd = -1
	if len(s.Filter) > 0 {
		f := ar.alloc(len(s.Filter))
		copy(unsafe.Slice((*byte)(f), len(s.Filter)), s.Filter)
		a.filter, a.filter_len = f, C.ushort(len(s.Filter)/8)
		a.seccomp_flags = C.uint(s.SeccompFlag)
		a.notify = cBool(s.Notify)
	}
	a.post_exec, a.mlock = cBool(s.PostExec), cBool(s.Mlock)
	return nil
}

func cBool(b bool) C.int {
	if b {
		return 1
	}
	return 0
}

// The Go mirrors of init_linux.h's enums (protocol.go) must match: these
// fail to compile when they drift.
var (
	_ = [1]struct{}{}[msgStarted-C.RF_MSG_STARTED]
	_ = [1]struct{}{}[msgError-C.RF_MSG_ERROR]
	_ = [1]struct{}{}[msgExit-C.RF_MSG_EXIT]
	_ = [1]struct{}{}[stageMounts-C.RF_STAGE_MOUNTS]
	_ = [1]struct{}{}[stageResolve-C.RF_STAGE_RESOLVE]
	_ = [1]struct{}{}[stageGate-C.RF_STAGE_GATE]
	_ = [1]struct{}{}[nStages-C.RF_NSTAGES]
	_ = [1]struct{}{}[DefaultHostID-C.RF_DEFAULT_HOST_ID]
	_ = [1]struct{}{}[PreforkInit-C.RF_PREFORK]
	_ = [1]struct{}{}[PreforkSpeculate-C.RF_PREFORK_SPECULATE]
	_ = [1]struct{}{}[PreforkPin-C.RF_PREFORK_PIN]
	_ = [1]struct{}{}[opPivot-C.RF_OP_PIVOT]
	_ = [1]struct{}{}[opPrivate-C.RF_OP_PRIVATE]
	_ = [1]struct{}{}[opProc-C.RF_OP_PROC]
	_ = [1]struct{}{}[stageTTY-C.RF_STAGE_TTY]
	_ = [1]struct{}{}[fdListener-C.RF_FD_LISTENER]
	_ = [1]struct{}{}[fdPty-C.RF_FD_PTY]
)

// recvMsg reads one message and the fds passed with it.
func recvMsg(sock *os.File) (initMsg, []int, error) {
	var cm C.struct_rf_msg
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&cm)), C.sizeof_struct_rf_msg)
	oob := make([]byte, unix.CmsgSpace(8))
	conn, err := sock.SyscallConn()
	if err != nil {
		return initMsg{}, nil, err
	}
	var n, oobn int
	var rerr error
	err = conn.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return initMsg{}, nil, err
	}
	var fds []int
	if oobn > 0 {
		if scms, err := unix.ParseSocketControlMessage(oob[:oobn]); err == nil && len(scms) > 0 {
			fds, _ = unix.ParseUnixRights(&scms[0])
		}
	}
	if n == 0 {
		return initMsg{}, fds, errors.New("EOF")
	}
	if n != len(buf) {
		return initMsg{}, fds, fmt.Errorf("bad message from the init stage (%d bytes)", n)
	}
	m := initMsg{
		typ: int(cm._type), stage: int(cm.stage), index: int(cm.index), errno: syscall.Errno(cm.err),
		what: C.GoString(&cm.what[0]), path: C.GoString(&cm.path[0]), gateStage: C.GoString(&cm.gate_stage[0]),
		fds: int(cm.fds), pid: int(cm.pid), status: unix.WaitStatus(cm.status), cpu: time.Duration(cm.cpu_ns),
		entered: time.Unix(0, int64(cm.entered_ns)),
	}
	for i, ns := range cm.stage_ns {
		m.stages = append(m.stages, StageTiming{Stage: stageNames[i], Duration: time.Duration(ns)})
	}
	return m, fds, nil
}
