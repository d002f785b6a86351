//go:build !cgo

package sandbox

import (
	"errors"
)

func gateStart(*gateSpec) (int, int, error) {
	return -1, -1, errors.New("this ringfence was built without cgo (CGO_ENABLED=0); the exec gate is C: rebuild with cgo and a C compiler")
}

func memfdNoexecSettable() bool { return false }

func setMemfdNoexec(int) error { return errors.New("built without cgo") }
