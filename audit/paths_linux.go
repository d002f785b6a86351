package audit

import (
	"bytes"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/syscalls"
)

// maxPath bounds what is read of a path argument.
const maxPath = 4096

// withPaths replaces pointer values of path arguments by the string they
// point to, read from /proc/PID/mem. The read is for the report only, never
// for a decision: the target may change the memory afterwards (TOCTOU), which
// is why ringfence never answers "allow" on the strength of a path. The
// notification id is checked after the read so a recycled pid cannot lend
// another process's memory to the report.
func (s *Supervisor) withPaths(fd int, n *seccompNotif, name string, decoded []string) []string {
	specs := syscalls.Args(name)
	for i, spec := range specs {
		if spec.Kind != syscalls.ArgPath || i >= len(decoded) || n.Data.Args[i] == 0 {
			continue
		}
		path, ok := readString(int(n.PID), n.Data.Args[i])
		if !ok || !notifValid(fd, n.ID) {
			continue
		}
		decoded[i] = spec.Name + "=" + strconv.Quote(path)
	}
	return decoded
}

func readString(pid int, addr uint64) (string, bool) {
	f, err := unix.Open("/proc/"+strconv.Itoa(pid)+"/mem", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", false
	}
	defer unix.Close(f)
	buf := make([]byte, maxPath)
	n, _ := unix.Pread(f, buf, int64(addr))
	if n <= 0 {
		// A read across the end of a mapping fails whole: retry up to the page end.
		pageRest := 4096 - int(addr%4096)
		var err error
		n, err = unix.Pread(f, buf[:pageRest], int64(addr))
		if n <= 0 || err != nil {
			return "", false
		}
	}
	buf = buf[:n]
	if i := bytes.IndexByte(buf, 0); i >= 0 {
		return string(buf[:i]), true
	}
	return strings.ToValidUTF8(string(buf), "?") + "...", true
}

func notifValid(fd int, id uint64) bool {
	return ioctlPtr(fd, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id)) == nil
}
