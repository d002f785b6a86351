package syscalls

import (
	"sort"
	"testing"
)

func TestWellKnownNumbers(t *testing.T) {
	for _, c := range []struct {
		arch Arch
		name string
		nr   int
	}{
		{ArchX86_64, "read", 0}, {ArchX86_64, "openat", 257}, {ArchX86_64, "clone3", 435},
		{ArchX86_64, "execve", 59}, {ArchX86_64, "ptrace", 101},
		{ArchI386, "open", 5}, {ArchI386, "socketcall", 102}, {ArchI386, "openat", 295},
		{ArchX32, "read", X32SyscallBit + 0}, {ArchX32, "openat", X32SyscallBit + 257},
		{ArchX32, "rt_sigaction", X32SyscallBit + 512}, {ArchX32, "execve", X32SyscallBit + 520},
		{ArchAArch64, "openat", 56}, {ArchAArch64, "read", 63}, {ArchAArch64, "clone3", 435},
		{ArchARM, "openat", 322}, {ArchARM, "open", 5}, {ArchARM, "cacheflush", 0x0f0002},
		{ArchARM, "breakpoint", 0x0f0001}, {ArchARM, "usr26", 0x0f0003}, {ArchARM, "usr32", 0x0f0004},
		{ArchARM, "set_tls", 0x0f0005}, {ArchARM, "get_tls", 0x0f0006},
		{ArchARM, "arm_sync_file_range", 341}, {ArchARM, "sync_file_range2", 341},
		{ArchAArch64, "renameat", 38}, {ArchAArch64, "getrlimit", 163}, {ArchAArch64, "newfstatat", 79},
		{ArchAArch64, "memfd_secret", 447},
		{ArchRISCV64, "openat", 56}, {ArchRISCV64, "riscv_flush_icache", 259}, {ArchRISCV64, "riscv_hwprobe", 258},
		{ArchRISCV64, "getrlimit", 163}, {ArchRISCV64, "memfd_secret", 447},
	} {
		nr, ok := Number(c.arch, c.name)
		if !ok || nr != c.nr {
			t.Errorf("Number(%v, %q) = %d, %v; want %d", c.arch, c.name, nr, ok, c.nr)
		}
	}
	for _, c := range []struct {
		arch Arch
		name string
	}{
		{ArchX86_64, "socketcall"}, {ArchAArch64, "open"}, {ArchRISCV64, "fork"}, {ArchX86_64, "cacheflush"},
		{ArchRISCV64, "renameat"}, {ArchAArch64, "riscv_hwprobe"}, {ArchX32, "rt_sigaction_64"},
		{ArchI386, "nosuchcall"}, {ArchInvalid, "read"}, {Arch(200), "read"},
	} {
		if nr, ok := Number(c.arch, c.name); ok {
			t.Errorf("Number(%v, %q) = %d, want not found", c.arch, c.name, nr)
		}
	}
}

func TestNameIsInverseOfNumber(t *testing.T) {
	for _, a := range Arches {
		for _, s := range Table(a) {
			if n, ok := Name(a, s.Nr); !ok || n != s.Name {
				t.Errorf("%v: Name(%d) = %q, %v; want %q", a, s.Nr, n, ok, s.Name)
			}
			if nr, ok := Number(a, s.Name); !ok || nr != s.Nr {
				t.Errorf("%v: Number(%q) = %d, %v; want %d", a, s.Name, nr, ok, s.Nr)
			}
		}
	}
	if n, ok := Name(ArchARM, 341); !ok || n != "arm_sync_file_range" {
		t.Errorf("Name(arm, 341) = %q, %v; want the canonical arm_sync_file_range", n, ok)
	}
	if _, ok := Name(ArchX86_64, 400); ok {
		t.Error("x86_64 has no syscall 400 (the 335..423 gap)")
	}
	if _, ok := Name(ArchX86_64, -1); ok {
		t.Error("Name(-1) found a syscall")
	}
}

// TestTablesOrdered checks every table is strictly increasing (so numbers and
// names are unique), sized like the kernel's, and that the dense ranges the
// kernel allocates without gaps have no holes.
func TestTablesOrdered(t *testing.T) {
	sizes := map[Arch][2]int{ // plausible bounds on the number of calls
		ArchX86_64: {360, 420}, ArchI386: {420, 480}, ArchX32: {340, 400},
		ArchAArch64: {300, 360}, ArchARM: {400, 460}, ArchRISCV64: {300, 360},
	}
	for _, a := range Arches {
		tab := Table(a)
		if len(tab) < sizes[a][0] || len(tab) > sizes[a][1] {
			t.Errorf("%v: %d syscalls, want %d..%d", a, len(tab), sizes[a][0], sizes[a][1])
		}
		names := map[string]bool{}
		for i, s := range tab {
			if i > 0 && tab[i-1].Nr >= s.Nr {
				t.Errorf("%v: %s (%d) after %s (%d)", a, s.Name, s.Nr, tab[i-1].Name, tab[i-1].Nr)
			}
			if names[s.Name] {
				t.Errorf("%v: %s twice", a, s.Name)
			}
			names[s.Name] = true
		}
		if MaxNumber(a) != tab[len(tab)-1].Nr {
			t.Errorf("%v: MaxNumber %d, last entry %d", a, MaxNumber(a), tab[len(tab)-1].Nr)
		}
		if !sort.StringsAreSorted(Names(a)) || len(Names(a)) < len(tab) {
			t.Errorf("%v: Names not sorted or shorter than the table", a)
		}
	}
	// x86_64 0..334 and 424..(max) have no holes.
	for nr := 0; nr <= 334; nr++ {
		if _, ok := Name(ArchX86_64, nr); !ok {
			t.Errorf("x86_64: hole at %d", nr)
		}
	}
	for nr := 424; nr <= MaxNumber(ArchX86_64); nr++ {
		if _, ok := Name(ArchX86_64, nr); !ok && nr != 335 {
			t.Errorf("x86_64: hole at %d", nr)
		}
	}
	// Every x32 number carries the x32 bit; x32 has no 64-bit-only calls
	// in the 512.. compat range duplicated as common ones.
	for _, s := range Table(ArchX32) {
		if s.Nr&X32SyscallBit == 0 {
			t.Errorf("x32: %s = %d lacks X32SyscallBit", s.Name, s.Nr)
		}
	}
	if MaxNumber(ArchInvalid) != -1 || Table(ArchInvalid) != nil || Names(ArchInvalid) != nil {
		t.Error("unknown arch: want empty results")
	}
}

func TestAllNames(t *testing.T) {
	all := AllNames()
	if !sort.StringsAreSorted(all) {
		t.Fatal("AllNames not sorted")
	}
	for _, n := range []string{"socketcall", "openat", "cacheflush", "riscv_hwprobe", "arch_prctl"} {
		if !Known(n) {
			t.Errorf("Known(%q) = false", n)
		}
	}
	for _, a := range Arches {
		for _, n := range Names(a) {
			if !Known(n) {
				t.Errorf("%s of %v missing from AllNames", n, a)
			}
		}
	}
	if Known("definitely_not_a_syscall") {
		t.Error("Known accepts garbage")
	}
}

func TestErrno(t *testing.T) {
	for _, c := range []struct {
		name string
		v    uint16
	}{{"EPERM", 1}, {"ENOENT", 2}, {"EAGAIN", 11}, {"EWOULDBLOCK", 11}, {"EDEADLK", 35}, {"EDEADLOCK", 35},
		{"ENOSYS", 38}, {"EOPNOTSUPP", 95}, {"ENOTSUP", 95}, {"EHWPOISON", 133}} {
		if v, ok := ErrnoValue(c.name); !ok || v != c.v {
			t.Errorf("ErrnoValue(%q) = %d, %v; want %d", c.name, v, ok, c.v)
		}
	}
	for v, want := range map[uint16]string{1: "EPERM", 11: "EAGAIN", 35: "EDEADLK", 95: "EOPNOTSUPP", 38: "ENOSYS"} {
		if n, ok := ErrnoName(v); !ok || n != want {
			t.Errorf("ErrnoName(%d) = %q, %v; want %q", v, n, ok, want)
		}
	}
	for _, v := range []uint16{0, 41, 58, 134, 4095} { // 41 and 58 are unused in the generic table
		if n, ok := ErrnoName(v); ok {
			t.Errorf("ErrnoName(%d) = %q, want none", v, n)
		}
	}
	names := ErrnoNames()
	if !sort.StringsAreSorted(names) || len(names) < 130 {
		t.Errorf("ErrnoNames: %d names, sorted=%v", len(names), sort.StringsAreSorted(names))
	}
	for _, n := range names {
		v, _ := ErrnoValue(n)
		canon, ok := ErrnoName(v)
		if !ok {
			t.Errorf("%s = %d has no canonical name", n, v)
		}
		if back, _ := ErrnoValue(canon); back != v {
			t.Errorf("%s: canonical %s = %d", n, canon, back)
		}
	}
}

func BenchmarkNumber(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, ok := Number(ArchX86_64, "openat"); !ok {
			b.Fatal("openat")
		}
	}
}

func BenchmarkName(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, ok := Name(ArchX86_64, 257); !ok {
			b.Fatal("257")
		}
	}
}

func BenchmarkConstantFor(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, ok := ConstantFor(ArchAArch64, "O_DIRECTORY"); !ok {
			b.Fatal("O_DIRECTORY")
		}
	}
}

func BenchmarkGroup(b *testing.B) {
	for i := 0; i < b.N; i++ {
		if _, ok := Group("@system-service"); !ok {
			b.Fatal("@system-service")
		}
	}
}
