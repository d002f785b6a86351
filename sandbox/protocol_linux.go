package sandbox

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// initSpec is the init's whole plan. spawnInit copies it into C memory
// that the forked init reads (struct rf_init_args).
type initSpec struct {
	stdio            [3]int
	keepSrc, keepDst []int
	sock, syncR      int // syncR: -1 unless the init waits for 'G'
	twoStep          bool
	memfdNoexec      bool
	unshareFlags     uint64
	trees            []int // per slot: a detached tree (root) or -1
	uid, gid         int
	hostUID, hostGID int
	ops              []fsOp
	tty              bool
	ttyRows, ttyCols uint16
	hostname         string
	loUp             bool
	newTime          bool
	landlock         *landlockRules // nil: none
	cmd, pathEnv     string
	gate             gateSpec
}

// Message types and stages: the mirrors of init_linux.h's enums
// (spawn_linux.go checks them at compile time).
const (
	msgStarted = 1
	msgError   = 2
	msgExit    = 3
)

const (
	stageSetup = iota
	stageMounts
	stageHostname
	stageNetwork
	stageLandlock
	stageResolve
	stageTTY
	stageGate
	nStages
)

var stageNames = [nStages]string{"setup", "mounts", "hostname", "network", "landlock", "resolve", "tty", "gate"}

// Which fds ride along with msgStarted, in this order.
const (
	fdListener = 1
	fdPty      = 2
)

// initMsg is one struct rf_msg from the init.
type initMsg struct {
	typ       int
	stage     int
	index     int
	errno     syscall.Errno
	what      string
	path      string
	gateStage string
	fds       int // fdListener | fdPty
	pid       int
	status    unix.WaitStatus
	cpu       time.Duration
	entered   time.Time
	stages    []StageTiming
}

// stageError is the error an RF_MSG_ERROR stands for.
func (m *initMsg) stageError(ops []fsOp, gate *gateSpec, cmd, pathEnv string) *StageError {
	switch m.stage {
	case stageMounts:
		return mountStageError(ops, m.index, m.what, m.errno)
	case stageResolve:
		return &StageError{Stage: "resolve", Op: m.what, Path: cmd, Errno: m.errno,
			Msg: "not found in the sandbox's PATH (" + pathEnv + ")"}
	case stageGate:
		e := &StageError{Stage: m.gateStage, Op: m.what, Errno: m.errno}
		switch m.gateStage {
		case "exec":
			e.Path = m.path
		case "chdir":
			e.Path = gate.Dir
		}
		return e
	}
	if m.stage < 0 || m.stage >= nStages {
		return &StageError{Stage: "init", Op: m.what, Errno: m.errno}
	}
	return &StageError{Stage: stageNames[m.stage], Op: m.what, Path: m.path, Errno: m.errno}
}
