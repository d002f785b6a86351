package learn_test

import (
	"fmt"

	"github.com/ringfence/ringfence/learn"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/syscalls"
)

// Turn observed syscalls into a readable policy. `ringfence learn` feeds
// the recorder from seccomp user notifications of a sandboxed run.
func ExampleRecorder() {
	r := learn.NewRecorder()
	afUnix, _ := syscalls.Constant("AF_UNIX")
	stream, _ := syscalls.Constant("SOCK_STREAM")
	for i := 0; i < 3; i++ {
		r.Record(syscalls.ArchX86_64, "read", [6]uint64{})
	}
	r.Record(syscalls.ArchX86_64, "write", [6]uint64{})
	r.Record(syscalls.ArchX86_64, "socket", [6]uint64{afUnix, stream})
	fmt.Print(string(policy.Print(r.Policy(learn.Options{Hot: 2}))))
	// Output:
	// default errno(EPERM)
	// arch x86_64
	// unknown errno(ENOSYS)
	// hot read, socket
	// allow read, write
	// allow socket if domain == AF_UNIX && type == SOCK_STREAM
}
