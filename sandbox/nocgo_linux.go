//go:build !cgo

package sandbox

import (
	"errors"
	"os"
)

var errNoCgo = errors.New("this ringfence was built without cgo (CGO_ENABLED=0); the sandbox's init and exec gate are C: rebuild with cgo and a C compiler")

func spawnInit(*initSpec, uint64) (int, int, error) { return -1, -1, errNoCgo }

func recvMsg(*os.File) (initMsg, []int, error) { return initMsg{}, nil, errNoCgo }

func postExecSupported() bool { return false }

func wakePrefork() {}
