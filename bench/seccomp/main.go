// Command seccomp-bench measures ringfence's policy compiler against
// libseccomp 2.5 (Debian's libseccomp-dev) on Docker's default profile:
// program size, BPF instructions executed per syscall number (mean and max
// over every x86_64 syscall number, counted by ringfence's emulator with
// zero arguments), compile time, and the kernel's install time.
//
//	go run ./bench/seccomp [-profile FILE] [-installs N]
//
// It needs gcc and libseccomp-dev (it builds two small C helpers beside
// it) and, for the install times, a kernel with seccomp filters. See
// README.md for the measured table.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func main() {
	profile := flag.String("profile", "../shared/testdata/docker-default-seccomp.json", "Docker seccomp profile")
	installs := flag.Int("installs", 201, "kernel installs per filter (median reported)")
	flag.Parse()
	if err := run(*profile, *installs); err != nil {
		fmt.Fprintln(os.Stderr, "seccomp-bench:", err)
		os.Exit(1)
	}
}

type row struct {
	name            string
	insns           int
	mean            float64
	max             int
	compile         time.Duration // wall
	compileCPU      time.Duration // CPU time of the compiling thread
	install         time.Duration
	argLoadsAllowed int      // allowed-without-conditions syscalls whose path loads an argument
	unknownToIt     []string // syscalls the compiler did not know (left to the default)
}

func run(profile string, installs int) error {
	dir, err := os.MkdirTemp("", "seccomp-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	src := sourceDir()
	lsx := filepath.Join(dir, "libseccomp_export")
	it := filepath.Join(dir, "install_time")
	for _, b := range [][]string{
		{"-O2", "-o", lsx, filepath.Join(src, "c", "libseccomp_export.c"), "-lseccomp"},
		{"-O2", "-o", it, filepath.Join(src, "c", "install_time.c")},
	} {
		if out, err := exec.Command("gcc", b...).CombinedOutput(); err != nil {
			return fmt.Errorf("gcc %v: %v\n%s(install gcc and libseccomp-dev)", b, err, out)
		}
	}
	data, err := os.ReadFile(profile)
	if err != nil {
		return err
	}
	for _, multi := range []bool{false, true} {
		// Docker admits i386 and x32 beside x86_64 (its archMap); the first
		// table keeps the native ABI only.
		p, _, err := oci.Import(data, oci.ImportOptions{Arch: syscalls.ArchX86_64, Filename: profile})
		if err != nil {
			return err
		}
		if !multi {
			p.Arches = []syscalls.Arch{syscalls.ArchX86_64}
		}
		var arches []string
		for _, a := range p.AdmittedArches() {
			arches = append(arches, a.String())
		}
		fmt.Printf("\n### Docker default profile, ABIs %s\n\n", strings.Join(arches, ", "))
		rows, err := measure(p, dir, lsx, it, installs)
		if err != nil {
			return err
		}
		fmt.Println("| compiler | instructions | executed mean | executed max | compile (CPU) | compile (wall) | install |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|")
		for _, r := range rows {
			fmt.Printf("| %s | %d | %.2f | %d | %s | %s | %s |\n", r.name, r.insns, r.mean, r.max, fmtDur(r.compileCPU), fmtDur(r.compile), fmtDur(r.install))
		}
		ours, tree := rows[0], rows[2]
		fmt.Printf("\nringfence / libseccomp tree: executed mean %.2f, max %.2f (target <= 0.67); size %.2f; install %.2f\n",
			ours.mean/tree.mean, float64(ours.max)/float64(tree.max), float64(ours.insns)/float64(tree.insns),
			float64(ours.install)/float64(tree.install))
		fmt.Printf("syscalls libseccomp 2.5 does not know (it leaves them to the default action; ringfence allows them as the profile says): %s\n",
			strings.Join(rows[1].unknownToIt, ", "))
		fmt.Printf("allowed syscalls without conditions whose path loads an argument: ringfence %d, libseccomp %d, libseccomp tree %d\n",
			ours.argLoadsAllowed, rows[1].argLoadsAllowed, tree.argLoadsAllowed)
	}
	return nil
}

func sourceDir() string {
	_, file, _, ok := runtime.Caller(0)
	if ok {
		return filepath.Dir(file)
	}
	return "bench/seccomp"
}

func measure(p *seccomp.Policy, dir, lsx, it string, installs int) ([]row, error) {
	var rows []row
	// ringfence
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		return nil, err
	}
	const n = 2001
	times, cpu := make([]time.Duration, n), make([]time.Duration, n)
	runtime.LockOSThread() // thread CPU time needs one thread
	for i := range times {
		start, c := time.Now(), threadCPU()
		if _, err := seccomp.Compile(p, seccomp.Options{}); err != nil {
			return nil, err
		}
		times[i], cpu[i] = time.Since(start), threadCPU()-c
	}
	runtime.UnlockOSThread()
	slices.Sort(times)
	slices.Sort(cpu)
	r, err := count(p, "ringfence", prog.Instructions)
	if err != nil {
		return nil, err
	}
	r.compile, r.compileCPU = times[n/2], cpu[n/2]
	rows = append(rows, r)
	files := []string{filepath.Join(dir, "ringfence.bpf")}
	if err := os.WriteFile(files[0], prog.Bytes(), 0o644); err != nil {
		return nil, err
	}
	// libseccomp, default and tree
	lines, err := libseccompLines(p)
	if err != nil {
		return nil, err
	}
	for _, opt := range []string{"0", "2"} {
		cmd := exec.Command(lsx, opt, "201")
		cmd.Stdin = strings.NewReader(lines)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("libseccomp_export: %v: %s", err, errb.String())
		}
		insns, err := bpf.Unmarshal(out.Bytes())
		if err != nil {
			return nil, err
		}
		name := "libseccomp 2.5"
		if opt == "2" {
			name += " (OPTIMIZE=2, tree)"
		}
		r, err := count(p, name, insns)
		if err != nil {
			return nil, err
		}
		var ns, cpuNS int64
		fmt.Sscanf(strings.TrimSpace(errb.String()), "compile_ns %d cpu_ns %d", &ns, &cpuNS)
		r.compile, r.compileCPU = time.Duration(ns), time.Duration(cpuNS)
		rows = append(rows, r)
		f := filepath.Join(dir, "libseccomp"+opt+".bpf")
		if err := os.WriteFile(f, out.Bytes(), 0o644); err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	for i, f := range files {
		out, err := exec.Command(it, f, fmt.Sprint(installs)).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("install_time %s: %v: %s", f, err, out)
		}
		var ns int64
		fmt.Sscanf(strings.TrimSpace(string(out)), "install_ns %d", &ns)
		rows[i].install = time.Duration(ns)
	}
	return rows, nil
}

// count runs the program on every x86_64 syscall number (0..MaxNumber+16,
// arguments zero), checks every verdict against Decide, and counts
// instructions.
func count(p *seccomp.Policy, name string, prog []bpf.Instruction) (row, error) {
	r := row{name: name, insns: len(prog)}
	if err := bpf.Validate(prog); err != nil {
		return r, fmt.Errorf("%s: %w", name, err)
	}
	sum, num := 0, 0
	for nr := 0; nr <= syscalls.MaxNumber(syscalls.ArchX86_64)+16; nr++ {
		d := bpf.SeccompData{Nr: int32(nr), Arch: syscalls.AuditArchX86_64}
		ret, executed, err := bpf.RunCounted(prog, d)
		if err != nil {
			return r, fmt.Errorf("%s: nr %d: %w", name, nr, err)
		}
		want := p.Decide(d)
		if ret != want.Action.Ret() {
			if name == "ringfence" {
				return r, fmt.Errorf("%s: nr %d: filter returns %#x, policy says %v", name, nr, ret, want.Action)
			}
			// libseccomp 2.5 does not know syscalls newer than itself
			// and leaves them to the default action.
			r.unknownToIt = append(r.unknownToIt, want.Name)
		}
		if want.Rule != nil && want.Rule.When == nil && loadsArg(prog, d) {
			r.argLoadsAllowed++
		}
		sum += executed
		num++
		r.max = max(r.max, executed)
	}
	r.mean = float64(sum) / float64(num)
	return r, nil
}

// loadsArg reports whether the filter's path for d loads an argument or the
// instruction pointer: changing them would change the path or verdict.
// Detected by running with two different argument vectors.
func loadsArg(prog []bpf.Instruction, d bpf.SeccompData) bool {
	a, na, _ := bpf.RunCounted(prog, d)
	for _, v := range []uint64{1, 0xffffffffffffffff, 0x8000000000000000} {
		e := d
		e.InstructionPointer = v
		for i := range e.Args {
			e.Args[i] = v
		}
		b, nb, _ := bpf.RunCounted(prog, e)
		if a != b || na != nb {
			return true
		}
	}
	return false
}

// libseccompLines writes the policy in libseccomp_export.c's line format.
func libseccompLines(p *seccomp.Policy) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "default %d\n", p.Default.Ret())
	names := map[syscalls.Arch]string{syscalls.ArchX86_64: "x86_64", syscalls.ArchI386: "x86", syscalls.ArchX32: "x32"}
	for _, a := range p.AdmittedArches() {
		n, ok := names[a]
		if !ok {
			return "", fmt.Errorf("arch %v not supported by the benchmark", a)
		}
		fmt.Fprintf(&b, "arch %s\n", n)
	}
	scmpOp := map[seccomp.Op]int{seccomp.OpNe: 1, seccomp.OpLt: 2, seccomp.OpLe: 3, seccomp.OpEq: 4, seccomp.OpGe: 5, seccomp.OpGt: 6, seccomp.OpMaskedEq: 7}
	for _, r := range p.Rules {
		if len(r.Arches) > 0 && !slices.Contains(r.Arches, syscalls.ArchX86_64) {
			// oci.Import writes libseccomp's own per-ABI lowering (32-bit
			// compares on x32) as arch-guarded rules; libseccomp does that
			// lowering itself from the x86_64 rule.
			continue
		}
		var cmps []seccomp.Cmp
		switch w := r.When.(type) {
		case nil:
		case seccomp.Cmp:
			cmps = append(cmps, w)
		case seccomp.And:
			for _, x := range w {
				c, ok := x.(seccomp.Cmp)
				if !ok {
					return "", fmt.Errorf("rule %s: only conjunctions of comparisons", r.Syscall)
				}
				cmps = append(cmps, c)
			}
		default:
			return "", fmt.Errorf("rule %s: only conjunctions of comparisons", r.Syscall)
		}
		fmt.Fprintf(&b, "rule %d %s %d", r.Action.Ret(), r.Syscall, len(cmps))
		for _, c := range cmps {
			if c.Width32 || c.Signed {
				return "", fmt.Errorf("rule %s: 32-bit or signed comparisons not supported by the benchmark", r.Syscall)
			}
			a, v := c.Value, uint64(0)
			if c.Op == seccomp.OpMaskedEq {
				a, v = c.Mask, c.Value
			}
			fmt.Fprintf(&b, " %d %d %d %d", c.Arg, scmpOp[c.Op], a, v)
		}
		b.WriteString("\n")
	}
	return b.String(), nil
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	}
}
