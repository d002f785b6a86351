package sandbox_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary doubles as the programs run inside sandboxes: TestMain
// calls runHelper when RINGFENCE_TEST_HELPER names one.
const helperEnv = "RINGFENCE_TEST_HELPER"

// facts is what the "facts" helper observes from inside a sandbox.
type facts struct {
	NS       map[string]string `json:"ns"`
	Status   map[string]string `json:"status"`
	Dumpable int               `json:"dumpable"`
	// BootSeconds is CLOCK_BOOTTIME: the time namespace starts it near 0.
	BootSeconds int64           `json:"boot_seconds"`
	Env         []string        `json:"env"`
	Ifaces      map[string]bool `json:"ifaces"` // name -> up
	UID, GID    int
	Hostname    string            `json:"hostname"`
	Cwd         string            `json:"cwd"`
	Writes      map[string]string `json:"writes"` // path -> "ok" or errno name
	Lists       map[string][]string
	Reads       map[string]string
	KillInit    string `json:"kill_init"`
	ProcComm    string `json:"proc_comm"`
	InitFDs     string `json:"init_fds"`
	InitMem     string `json:"init_mem"`
	RlimNofile  uint64 `json:"rlim_nofile"`
}

// ttyName is what ttyname(0) would say: the path fd 0 links to, if that
// path exists inside and is the same device; else "none".
func ttyName() string {
	p, err := os.Readlink("/proc/self/fd/0")
	if err != nil {
		return "none"
	}
	var byFD, byPath unix.Stat_t
	if unix.Fstat(0, &byFD) != nil || unix.Stat(p, &byPath) != nil || byFD.Rdev != byPath.Rdev || byFD.Mode&unix.S_IFMT != unix.S_IFCHR {
		return "none"
	}
	return p
}

// hog keeps what the "hog" helper allocates.
var hog [][]byte

func errStr(err error) string {
	if err == nil {
		return "ok"
	}
	var e syscall.Errno
	if pe, ok := err.(*os.PathError); ok {
		err = pe.Err
	}
	if se, ok := err.(*os.SyscallError); ok {
		err = se.Err
	}
	if errnoErr, ok := err.(syscall.Errno); ok {
		e = errnoErr
		return unix.ErrnoName(e)
	}
	return err.Error()
}

func runHelper(name string) int {
	args := os.Args[1:]
	switch name {
	case "exit":
		n, _ := strconv.Atoi(args[0])
		return n
	case "killself":
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Second)
		return 1
	case "blocked":
		// acct(NULL): the test filters kill or notify on it.
		r, _, e := syscall.RawSyscall(syscall.SYS_ACCT, 0, 0, 0)
		fmt.Printf("blocked=%d errno=%d\n", int(r), int(e))
		return 0
	case "sleep":
		time.Sleep(time.Minute)
		return 0
	case "term":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Println("ready")
		<-ch
		return 42
	case "memprobe":
		// A child of ours (same uid, no capability) opens our memory.
		d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
		out, _ := exec.Command("/bin/sh", "-c", "(exec 3< /proc/$PPID/mem) 2>/dev/null && echo ok || echo EACCES").Output()
		fmt.Printf("dumpable=%d child-opens-parent-mem=%s\n", d, strings.TrimSpace(string(out)))
		return 0
	case "tty":
		_, errT := unix.IoctlGetTermios(0, unix.TCGETS)
		f, errO := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if errO == nil {
			f.Close()
		}
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		fmt.Printf("isatty=%s devtty=%s got=%s name=%s\n", errStr(errT), errStr(errO), strings.TrimSpace(line), ttyName())
		return 0
	case "hog":
		for {
			b := make([]byte, 4<<20)
			for i := range b {
				b[i] = 1
			}
			hog = append(hog, b) // kept: the memory limit must stop this
		}
	case "orphans":
		return helperOrphans()
	case "exec":
		err := syscall.Exec(args[0], args, nil)
		fmt.Println(errStr(err))
		return 0
	case "fd":
		n, _ := strconv.Atoi(args[0])
		_, err := unix.FcntlInt(uintptr(n), unix.F_GETFD, 0)
		fmt.Println(errStr(err))
		return 0
	case "facts":
		f := gatherFacts(args)
		json.NewEncoder(os.Stdout).Encode(f)
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper", name)
	return 2
}

func gatherFacts(writePaths []string) facts {
	f := facts{NS: map[string]string{}, Status: map[string]string{}, Ifaces: map[string]bool{},
		Writes: map[string]string{}, Lists: map[string][]string{}, Reads: map[string]string{}}
	for _, n := range nsNames {
		f.NS[n], _ = os.Readlink("/proc/self/ns/" + n)
	}
	st, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(st), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok {
			f.Status[k] = strings.TrimSpace(v)
		}
	}
	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	f.Dumpable = d
	var boot unix.Timespec
	unix.ClockGettime(unix.CLOCK_BOOTTIME, &boot)
	f.BootSeconds = boot.Sec
	f.Env = os.Environ()
	ifs, _ := net.Interfaces()
	for _, i := range ifs {
		f.Ifaces[i.Name] = i.Flags&net.FlagUp != 0
	}
	f.UID, f.GID = os.Getuid(), os.Getgid()
	f.Hostname, _ = os.Hostname()
	f.Cwd, _ = os.Getwd()
	for _, p := range writePaths {
		err := os.WriteFile(filepath.Join(p, "ringfence-write-test"), []byte("x"), 0o644)
		f.Writes[p] = errStr(err)
	}
	for _, p := range []string{"/root", "/home", "/tmp", "/run", "/sys/class/net"} {
		ents, _ := os.ReadDir(p)
		for _, e := range ents {
			f.Lists[p] = append(f.Lists[p], e.Name())
		}
	}
	if b, err := os.ReadFile("marker"); err == nil {
		f.Reads["cwd/marker"] = string(b)
	} else {
		f.Reads["cwd/marker"] = errStr(err)
	}
	f.KillInit = errStr(syscall.Kill(1, 0))
	f.ProcComm = errStr(os.WriteFile("/proc/self/comm", []byte("renamed"), 0))
	_, err := os.Readlink("/proc/1/fd/0")
	f.InitFDs = errStr(err)
	mem, err := os.Open("/proc/1/mem")
	if err == nil {
		mem.Close()
	}
	f.InitMem = errStr(err)
	var rl unix.Rlimit
	unix.Getrlimit(unix.RLIMIT_NOFILE, &rl)
	f.RlimNofile = rl.Cur
	return f
}

var nsNames = []string{"user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"}

// helperOrphans makes orphans (a shell whose background children outlive
// it), waits until they have exited, and counts zombies in the pid
// namespace: the init must have reaped them.
func helperOrphans() int {
	for i := 0; i < 3; i++ {
		if err := exec.Command("/bin/sh", "-c", "sleep 0.05 & sleep 0.05 & exit 0").Run(); err != nil {
			fmt.Println("sh:", err)
			return 1
		}
	}
	time.Sleep(500 * time.Millisecond)
	zombies := 0
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if i := strings.LastIndexByte(string(b), ')'); i > 0 && len(b) > i+2 && b[i+2] == 'Z' {
			zombies++
		}
	}
	fmt.Printf("zombies=%d\n", zombies)
	return 0
}
