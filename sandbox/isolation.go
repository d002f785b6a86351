package sandbox

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Pipe isolation is the profile for a program that talks to nothing but
// its stdin and stdout: a parser or decoder of hostile input (`ringfence
// run --isolation pipe`, package worker). On top of the defaults (every
// namespace new, no capabilities, no_new_privs, a new session) it gives:
//
//   - A root that holds nothing but a copy of the worker binary, mode 0111
//     (execute-only): no /proc, no /dev, no /tmp, no working directory
//     (Config.NoDefaultMounts). The binary must be static; a dynamic one
//     would need its loader and libraries, and the loader's openat and
//     PROT_EXEC mmap in the filter.
//   - Not dumpable, for good. PR_SET_DUMPABLE does not survive execve, but
//     the kernel marks a process non-dumpable when it executes a file it
//     may not read (fs/exec.c would_dump), and when that file's owner is not
//     mapped in the process's user namespace it also moves the memory's
//     owning namespace up to one where it is. As root, the copy is owned by
//     host root, which the sandbox does not map: only CAP_SYS_PTRACE in the
//     initial namespace (host root) can then ptrace the worker or read its
//     /proc/PID/mem, not another process of its host uid. (Rootless, the copy
//     belongs to the caller, who stays able to ptrace it.)
//   - No network (a new namespace with only loopback).
//   - Tight rlimits: RLIMIT_NPROC 1 (no fork), RLIMIT_NOFILE 8 (room for the
//     gate's seccomp listener, none for anything else), RLIMIT_FSIZE 1 (0
//     means unset in Rlimits; there is no writable file anyway), RLIMIT_CORE
//     0 (always), RLIMIT_AS PipeMemory unless set otherwise. cgroup limits
//     (memory without swap, pids) are left to the caller (Config.Limits):
//     rootless callers usually cannot create cgroups, and the init (one
//     process) shares the group (Pids 2 is the least that starts).
//   - Memory locking: Config.Mlock makes CMD call mlockall after execve
//     with ptrace, which an execute-only binary is closed to (refused); the
//     pipe-worker policy admits mlockall(MCL_CURRENT|MCL_FUTURE) so the
//     worker locks itself (examples/pipe-worker does).
//
// The seccomp filter is the caller's: the built-in "pipe-worker" policy
// (package policy) compiled, as `ringfence run --isolation pipe` and
// package worker do. The runner never reads policy text.

// PipeMemory is the default address-space limit of a pipe-isolated worker.
const PipeMemory = 64 << 20

// PipeRoot is the root file system of pipe-isolated workers: a private
// directory holding only a copy of the worker binary. One PipeRoot serves
// any number of workers of that binary; Close removes it.
type PipeRoot struct {
	dir  string
	path string
}

// NewPipeRoot copies binary, which must be a static ELF executable, into a
// new private root. The copy is execute-only (mode 0111) so the worker is
// never dumpable (see above).
func NewPipeRoot(binary string) (*PipeRoot, error) {
	if err := checkStatic(binary); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ringfence-pipe-")
	if err != nil {
		return nil, fmt.Errorf("pipe isolation: %w", err)
	}
	// The sandbox's host uid must be able to traverse and list it (the
	// init lists / to grant Landlock execute rights).
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pipe isolation: %w", err)
	}
	r := &PipeRoot{dir: dir, path: "/" + filepath.Base(binary)}
	if err := copyExecOnly(binary, filepath.Join(dir, r.path)); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pipe isolation: copying %s: %w", binary, err)
	}
	return r, nil
}

// Dir is the root directory on the host (Config.RootFS).
func (r *PipeRoot) Dir() string { return r.dir }

// Path is the worker binary's path inside the sandbox: what to pass to
// Command.
func (r *PipeRoot) Path() string { return r.path }

// Close removes the root. Workers already running keep their binary.
func (r *PipeRoot) Close() error { return os.RemoveAll(r.dir) }

// PipeIsolation returns the pipe isolation profile for root (see above).
// Set Filter (the compiled pipe-worker policy) or SeccompOff (only for a
// worker that enters SECCOMP_MODE_STRICT itself, which the kernel refuses
// under a filter) before Start, and run Command(root.Path()).
func PipeIsolation(root *PipeRoot) Config {
	return Config{
		RootFS:          root.Dir(),
		NoDefaultMounts: true,
		Chdir:           "/",
		Net:             NetNone,
		Hostname:        "pipe",
		Rlimits:         Rlimits{Nofile: 8, Fsize: 1, Nproc: 1, AS: PipeMemory},
	}
}

// checkStatic refuses a binary that is not an ELF executable or that needs
// a dynamic loader. It reads the ELF header and program headers itself
// rather than with debug/elf, whose dependencies (compress/flate, zstd,
// dwarf) would be initialized at the start of every program that links the
// runner, a measurable share of its start-up.
func checkStatic(binary string) error {
	h, err := readELF(binary)
	if err != nil {
		return fmt.Errorf("pipe isolation: %s is not an ELF executable: %w", binary, err)
	}
	if h.interp {
		return fmt.Errorf("pipe isolation: %s is dynamically linked (it names an ELF interpreter); pipe workers must be static: build with `gcc -static`", binary)
	}
	if h.typ != elfTypeExec && h.typ != elfTypeDyn {
		return fmt.Errorf("pipe isolation: %s is not an executable (ELF type %d)", binary, h.typ)
	}
	return nil
}

const (
	elfTypeExec = 2 // ET_EXEC
	elfTypeDyn  = 3 // ET_DYN
	elfPTInterp = 3 // PT_INTERP
)

// elfFacts is what checkStatic needs from an ELF file.
type elfFacts struct {
	typ    uint16
	interp bool // a PT_INTERP program header: it needs a dynamic loader
}

// readELF reads the ELF header (32 or 64 bit, either byte order) and the
// program headers' types.
func readELF(path string) (elfFacts, error) {
	f, err := os.Open(path)
	if err != nil {
		return elfFacts{}, err
	}
	defer f.Close()
	var hdr [64]byte
	if _, err := io.ReadFull(f, hdr[:]); err != nil || string(hdr[:4]) != "\x7fELF" {
		return elfFacts{}, errors.New("bad ELF magic")
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if hdr[5] == 2 {
		bo = binary.BigEndian
	}
	facts := elfFacts{typ: bo.Uint16(hdr[16:])}
	var phoff int64
	var phentsize, phnum int
	switch hdr[4] {
	case 1: // ELFCLASS32
		phoff, phentsize, phnum = int64(bo.Uint32(hdr[28:])), int(bo.Uint16(hdr[42:])), int(bo.Uint16(hdr[44:]))
	case 2: // ELFCLASS64
		phoff, phentsize, phnum = int64(bo.Uint64(hdr[32:])), int(bo.Uint16(hdr[54:])), int(bo.Uint16(hdr[56:]))
	default:
		return elfFacts{}, errors.New("unknown ELF class")
	}
	if phnum > 0 && (phentsize < 4 || phentsize > 256 || phnum > 4096) {
		return elfFacts{}, errors.New("bad program header table")
	}
	ph := make([]byte, phentsize*phnum)
	if _, err := f.ReadAt(ph, phoff); err != nil {
		return elfFacts{}, fmt.Errorf("program headers: %w", err)
	}
	for i := 0; i < phnum; i++ {
		if bo.Uint32(ph[i*phentsize:]) == elfPTInterp {
			facts.interp = true
		}
	}
	return facts, nil
}

func copyExecOnly(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o700)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chmod(dst, 0o111)
}
