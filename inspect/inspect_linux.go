package inspect

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ringfence/ringfence/bpf"
)

var nsTypes = []string{"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"}

// Process reads the confinement of one process from /proc.
func Process(pid int) (*Report, error) {
	dir := "/proc/" + strconv.Itoa(pid)
	status, err := os.ReadFile(dir + "/status")
	if err != nil {
		return nil, fmt.Errorf("inspect %d: %w", pid, err)
	}
	r := &Report{PID: pid}
	r.Exe, _ = os.Readlink(dir + "/exe")
	if cmd, err := os.ReadFile(dir + "/cmdline"); err == nil {
		r.Cmdline = strings.TrimSpace(string(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
	}
	fields := statusFields(status)
	r.SeccompMode, _ = strconv.Atoi(fields["Seccomp"])
	r.SeccompFilters, _ = strconv.Atoi(fields["Seccomp_filters"])
	r.NoNewPrivs = fields["NoNewPrivs"] == "1"
	r.Caps = Caps{
		Effective: capField(fields["CapEff"]), Permitted: capField(fields["CapPrm"]),
		Inheritable: capField(fields["CapInh"]), Bounding: capField(fields["CapBnd"]), Ambient: capField(fields["CapAmb"]),
	}
	if pid == os.Getpid() {
		d, err := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		if err == nil {
			dumpable := d != 0
			r.Dumpable = &dumpable
		}
	}
	for _, t := range nsTypes {
		id, err := os.Readlink(dir + "/ns/" + t)
		if err != nil {
			continue
		}
		ref, _ := os.Readlink("/proc/1/ns/" + t)
		r.Namespaces = append(r.Namespaces, Namespace{Type: t, ID: id, Isolated: ref != "" && ref != id})
	}
	r.UIDMap = readTrim(dir + "/uid_map")
	r.GIDMap = readTrim(dir + "/gid_map")
	r.Cgroup = readTrim(dir + "/cgroup")
	if lsm := readTrim("/sys/kernel/security/lsm"); lsm != "" {
		r.LSMs = strings.Split(lsm, ",")
	}
	r.Labels = labels(dir)
	r.Rate()
	return r, nil
}

func statusFields(status []byte) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

func capField(hex string) []string {
	v, err := strconv.ParseUint(hex, 16, 64)
	if err != nil {
		return nil
	}
	return CapNames(v)
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// labels reads the process's LSM labels from /proc/PID/attr (per-LSM
// directories on current kernels, the legacy "current" otherwise).
func labels(dir string) map[string]string {
	out := map[string]string{}
	for _, lsm := range []string{"apparmor", "selinux", "smack"} {
		if v := strings.TrimRight(readTrim(dir+"/attr/"+lsm+"/current"), "\x00"); v != "" {
			out[lsm] = v
		}
	}
	if len(out) == 0 {
		if v := strings.TrimRight(readTrim(dir+"/attr/current"), "\x00"); v != "" {
			out["current"] = v
		}
	}
	return out
}

// ErrNeedSysAdmin is returned when the filters cannot be read for lack of
// CAP_SYS_ADMIN.
var ErrNeedSysAdmin = errors.New("reading seccomp filters (PTRACE_SECCOMP_GET_FILTER) needs CAP_SYS_ADMIN: run as root")

const ptraceSeccompGetFilter = 0x420c

// Filters returns the seccomp filters installed in a process, newest first
// (index 0 is the filter the kernel runs first). The process is stopped
// with PTRACE_SEIZE + PTRACE_INTERRUPT while they are read and resumed
// after.
func Filters(pid int) ([][]bpf.Instruction, error) {
	// ptrace requests must come from the thread that attached.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := unix.PtraceSeize(pid); err != nil {
		if errors.Is(err, unix.EPERM) {
			return nil, fmt.Errorf("attach to %d: %w (%v)", pid, err, ErrNeedSysAdmin)
		}
		return nil, fmt.Errorf("attach to %d: %w", pid, err)
	}
	defer unix.PtraceDetach(pid)
	if err := unix.PtraceInterrupt(pid); err != nil {
		return nil, fmt.Errorf("stop %d: %w", pid, err)
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
		return nil, fmt.Errorf("wait for %d to stop: %w", pid, err)
	}
	var filters [][]bpf.Instruction
	for i := 0; ; i++ {
		n, err := getFilter(pid, i, nil)
		if errors.Is(err, unix.ENOENT) {
			return filters, nil
		}
		if errors.Is(err, unix.EINVAL) && i == 0 {
			return nil, nil // no filter (mode 0 or strict)
		}
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EPERM) {
			return nil, ErrNeedSysAdmin
		}
		if err != nil {
			return nil, fmt.Errorf("PTRACE_SECCOMP_GET_FILTER %d of pid %d: %w", i, pid, err)
		}
		prog := make([]bpf.Instruction, n)
		if _, err := getFilter(pid, i, prog); err != nil {
			return nil, fmt.Errorf("PTRACE_SECCOMP_GET_FILTER %d of pid %d: %w", i, pid, err)
		}
		filters = append(filters, prog)
	}
}

func getFilter(pid, index int, buf []bpf.Instruction) (int, error) {
	var p unsafe.Pointer
	if len(buf) > 0 {
		p = unsafe.Pointer(&buf[0])
	}
	n, _, e := unix.Syscall6(unix.SYS_PTRACE, ptraceSeccompGetFilter, uintptr(pid), uintptr(index), uintptr(p), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// All inspects every process on the machine that can be read.
func All() ([]*Report, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	var out []*Report
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if r, err := Process(pid); err == nil {
			out = append(out, r)
		}
	}
	return out, nil
}
