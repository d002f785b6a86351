package sandbox_test

import (
	"os"
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/sandbox"
)

// TestKeepFDStaysTheCallers: passing an fd to the sandbox must not leave
// anything that closes the caller's fd later (an *os.File finalizer around
// it once closed whatever that number had become: another sandbox's socket).
func TestKeepFDStaysTheCallers(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := int(w.Fd())
	c := sandbox.Command("/bin/true")
	c.Config.SeccompOff = true
	c.Config.KeepFDs = []int{fd}
	c.Log = quietLog()
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil {
		t.Fatalf("the caller's fd %d was closed behind its back: %v", fd, err)
	}
	if _, err := w.Write([]byte("x")); err != nil {
		t.Fatalf("the caller's pipe no longer works: %v", err)
	}
}
