package syscalls

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"
)

func TestConstantSpotValues(t *testing.T) {
	for name, want := range map[string]uint64{
		"AF_INET": 2, "AF_INET6": 10, "AF_UNIX": 1, "AF_NETLINK": 16, "AF_PACKET": 17, "AF_VSOCK": 40,
		"SOCK_STREAM": 1, "SOCK_RAW": 3, "SOCK_CLOEXEC": 0x80000, "SOCK_NONBLOCK": 0x800,
		"IPPROTO_TCP": 6, "IPPROTO_UDP": 17, "IPPROTO_RAW": 255,
		"CLONE_NEWUSER": 0x10000000, "CLONE_NEWNS": 0x20000, "CLONE_THREAD": 0x10000, "CLONE_INTO_CGROUP": 0x200000000,
		"PR_SET_NO_NEW_PRIVS": 38, "PR_SET_SECCOMP": 22, "PROT_EXEC": 4, "MAP_SHARED": 1, "MAP_ANONYMOUS": 0x20,
		"O_RDONLY": 0, "O_CLOEXEC": 0x80000, "O_DIRECTORY": 0x10000, "O_CREAT": 0x40, "O_TMPFILE": 0x410000,
		"AT_FDCWD": 0xffffffffffffff9c, "AT_EMPTY_PATH": 0x1000, "AT_SYMLINK_NOFOLLOW": 0x100,
		"F_SETFL": 4, "F_DUPFD_CLOEXEC": 1030, "F_ADD_SEALS": 1033,
		"TIOCSTI": 0x5412, "TIOCLINUX": 0x541c, "TIOCSETD": 0x5423, "TCGETS": 0x5401, "FIONREAD": 0x541b, "FIOCLEX": 0x5451,
		"SIGKILL": 9, "SIGSYS": 31, "SIGRTMIN": 32,
		"PER_LINUX": 0, "ADDR_NO_RANDOMIZE": 0x40000, "READ_IMPLIES_EXEC": 0x400000, "UNAME26": 0x20000,
		"MS_BIND": 0x1000, "MS_REMOUNT": 0x20, "MS_RDONLY": 1, "MNT_DETACH": 2,
		"MADV_DONTNEED": 4, "SECCOMP_SET_MODE_FILTER": 1, "SECCOMP_FILTER_FLAG_TSYNC": 1,
		"SECCOMP_FILTER_FLAG_NEW_LISTENER": 8, "SECCOMP_RET_KILL_PROCESS": 0x80000000,
		"KEYCTL_JOIN_SESSION_KEYRING": 1, "FUTEX_WAIT": 0, "FUTEX_PRIVATE_FLAG": 128, "NETLINK_ROUTE": 0,
		"SOL_SOCKET": 1, "SOL_IP": 0, "SO_REUSEADDR": 2, "SO_ATTACH_FILTER": 26,
		"CAP_SYS_ADMIN": 21, "CAP_NET_RAW": 13, "RLIMIT_NOFILE": 7, "RLIM_INFINITY": ^uint64(0),
		"SIOCGIFADDR": 0x8915, "EFD_CLOEXEC": 0x80000, "GRND_RANDOM": 2,
		"UFFDIO_API": 0xc018aa3f, "UFFD_USER_MODE_ONLY": 1, "PTRACE_TRACEME": 0, "PTRACE_ATTACH": 16,
		"IORING_SETUP_SQPOLL": 2, "IORING_OP_READV": 1, "BPF_PROG_LOAD": 5, "KCMP_FILE": 0,
		"MSG_DONTWAIT": 0x40, "PIDFD_NONBLOCK": 0x800, "MFD_CLOEXEC": 1,
	} {
		if got, ok := Constant(name); !ok || got != want {
			t.Errorf("Constant(%s) = %#x, %v; want %#x", name, got, ok, want)
		}
	}
	if _, ok := Constant("NOT_A_CONSTANT"); ok {
		t.Error("Constant accepts unknown names")
	}
	names := ConstantNames()
	if !sort.StringsAreSorted(names) || len(names) < 1500 {
		t.Errorf("ConstantNames: %d, sorted %v", len(names), sort.StringsAreSorted(names))
	}
}

func TestConstantForArch(t *testing.T) {
	for _, c := range []struct {
		arch Arch
		name string
		want uint64
		ok   bool
	}{
		{ArchX86_64, "O_DIRECTORY", 0x10000, true}, {ArchI386, "O_DIRECTORY", 0x10000, true},
		{ArchAArch64, "O_DIRECTORY", 0x4000, true}, {ArchARM, "O_DIRECTORY", 0x4000, true},
		{ArchRISCV64, "O_DIRECTORY", 0x10000, true},
		{ArchAArch64, "O_NOFOLLOW", 0x8000, true}, {ArchARM, "O_LARGEFILE", 0x20000, true},
		{ArchX86_64, "O_LARGEFILE", 0x8000, true}, {ArchAArch64, "O_CLOEXEC", 0x80000, true},
		{ArchARM, "RLIM_INFINITY", 0xffffffff, true}, {ArchI386, "F_GETLK64", 12, true},
		{ArchAArch64, "MAP_32BIT", 0, false}, {ArchX86_64, "MAP_32BIT", 0x40, true},
		{ArchAArch64, "AF_INET", 2, true}, {ArchARM, "AT_FDCWD", 0xffffffffffffff9c, true},
		{ArchARM, "TIOCSTI", 0x5412, true}, {ArchInvalid, "AF_INET", 0, false},
	} {
		got, ok := ConstantFor(c.arch, c.name)
		if ok != c.ok || got != c.want {
			t.Errorf("ConstantFor(%v, %s) = %#x, %v; want %#x, %v", c.arch, c.name, got, ok, c.want, c.ok)
		}
	}
}

// xsysDiffers reports the constants where golang.org/x/sys/unix knowingly
// differs from the kernel's UAPI value, which is what ringfence keeps.
func xsysDiffers(a Arch, name string) bool {
	switch name {
	case "O_LARGEFILE": // x/sys takes glibc's 0 on 64-bit ABIs; the kernel's bit is what the syscall sees
		return true
	case "MS_NOUSER": // (1<<31) is a negative int in C, sign-extended like every negative constant
		return true
	case "F_GETLK", "F_SETLK", "F_SETLKW": // on 32-bit ABIs x/sys takes glibc's 64-bit-offset aliases (F_GETLK64)
		return !a.Is64Bit()
	}
	return false
}

// TestConstantsAgreeWithXSys compares every constant both tables name with
// golang.org/x/sys/unix's generated zerrors_linux*.go, per architecture.
// x/sys is generated from other headers by other tools, so agreement is an
// independent check of the evaluation (sizeof in ioctl numbers, enums,
// negative values, per-arch O_* flags).
func TestConstantsAgreeWithXSys(t *testing.T) {
	dir := xsysUnixDir(t)
	common := parseZerrors(t, filepath.Join(dir, "zerrors_linux.go"))
	for _, a := range Arches {
		ga, ok := xsysGOARCH[a]
		if !ok {
			continue // x/sys has no x32 port
		}
		vals := parseZerrors(t, filepath.Join(dir, "zerrors_linux_"+ga+".go"))
		for k, v := range common {
			if _, ok := vals[k]; !ok {
				vals[k] = v
			}
		}
		compared, bad := 0, 0
		for name, want := range vals {
			got, ok := ConstantFor(a, name)
			if !ok || xsysDiffers(a, name) {
				continue
			}
			compared++
			if !a.Is64Bit() {
				want &= 0xffffffff // x/sys spells 32-bit unsigned long as 0xffffffff
				got &= 0xffffffff
			}
			if got != want {
				bad++
				t.Errorf("%v: %s = %#x, x/sys/unix (%s) says %#x", a, name, got, ga, want)
			}
		}
		t.Logf("%v: %d constants compared with x/sys/unix, %d differ", a, compared, bad)
		if compared < 1000 {
			t.Errorf("%v: only %d constants in common with x/sys/unix", a, compared)
		}
	}
}

var zerrorsRE = regexp.MustCompile(`^\s+([A-Z][A-Z0-9_]*)\s+= (-?0x[0-9a-f]+|-?\d+)$`)

func parseZerrors(t *testing.T, path string) map[string]uint64 {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		g := zerrorsRE.FindStringSubmatch(sc.Text())
		if g == nil {
			continue
		}
		if v, err := strconv.ParseInt(g[2], 0, 64); err == nil {
			m[g[1]] = uint64(v)
		} else if u, err := strconv.ParseUint(g[2], 0, 64); err == nil {
			m[g[1]] = u
		}
	}
	return m
}
