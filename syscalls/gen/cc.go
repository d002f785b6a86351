package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// target is one way of compiling against the extracted headers: an ABI's
// include directories and the compiler flags that make the host gcc see the
// macros that ABI's compiler would predefine (word size, arch macros).
type target struct {
	name  string   // ringfence arch name, e.g. "aarch64"
	goArc string   // Go identifier suffix, e.g. "AArch64"
	dirs  []string // include dirs relative to usr/include
	flags []string
	libc  bool // compiles glibc headers: no UAPI prelude
}

// uapiPrelude is included before every UAPI header. The kernel's headers
// leave these to the C library: ioctl encoders (userfaultfd.h uses _IOWR
// without including them) and time_t, which the SO_TIMESTAMP* and
// SIOCGSTAMP* macros of 32-bit ABIs compare with __kernel_long_t (and
// struct timeval from linux/time.h); defining it
// as __kernel_long_t selects the classic (32-bit time_t) values there.
const uapiPrelude = `#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/time.h>
typedef __kernel_long_t time_t;
`

// cc runs the host gcc against one target. Values are computed by compiling
// (never running) a C file whose initialisers are the macros: gcc -S prints
// the folded constants in the assembly, so even 32-bit ABIs evaluate with the
// right sizeof() on a 64-bit host without any 32-bit libraries.
type cc struct {
	root string // extracted package tree (holds usr/include)
	tmp  string // scratch directory; holds prelude.h
}

func (c *cc) args(t target, extra ...string) []string {
	inc := filepath.Join(c.root, "usr", "include")
	gccInc, err := exec.Command("gcc", "-print-file-name=include").Output()
	a := []string{"-nostdinc"}
	if err == nil {
		a = append(a, "-isystem", strings.TrimSpace(string(gccInc)))
	}
	for _, d := range t.dirs {
		a = append(a, "-I", filepath.Join(inc, d))
	}
	a = append(a, "-I", inc)
	a = append(a, t.flags...)
	if !t.libc {
		a = append(a, "-include", filepath.Join(c.tmp, "prelude.h"))
	}
	return append(a, extra...)
}

// exists reports whether header h is on t's include path.
func (c *cc) exists(t target, h string) bool {
	inc := filepath.Join(c.root, "usr", "include")
	for _, d := range append(append([]string(nil), t.dirs...), "") {
		if _, err := os.Stat(filepath.Join(inc, d, h)); err == nil {
			return true
		}
	}
	return false
}

// macro is one object-like #define as gcc prints it.
type macro struct {
	name, body string
}

var (
	defineRE = regexp.MustCompile(`^#define ([A-Za-z_][A-Za-z0-9_]*)(\(|\s|$)(.*)$`)
	undefRE  = regexp.MustCompile(`^#undef ([A-Za-z_][A-Za-z0-9_]*)`)
	identRE  = regexp.MustCompile(`\b[A-Z][A-Z0-9_]*\b`)
)

// preprocess runs gcc -E -dD once over headers and returns the object-like
// macros they define (in definition order, the last definition kept) and the
// upper-case identifiers of the preprocessed code: enumerators (IPPROTO_*,
// PER_*, IORING_OP_*) are not macros, so they are found there. Candidates
// that are not constants fail to compile in eval and are dropped.
func (c *cc) preprocess(t target, headers []string) ([]macro, []string, error) {
	out, err := c.run(t, includes(headers), "-E", "-dD", "-P")
	if err != nil {
		return nil, nil, err
	}
	var order []string
	body := map[string]string{}
	var idents []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := defineRE.FindStringSubmatch(line); m != nil {
			if m[2] == "(" {
				delete(body, m[1])
				continue
			}
			if _, seen := body[m[1]]; !seen {
				order = append(order, m[1])
			}
			body[m[1]] = strings.TrimSpace(m[3])
			continue
		}
		if m := undefRE.FindStringSubmatch(line); m != nil {
			delete(body, m[1])
			continue
		}
		if !strings.HasPrefix(line, "#") {
			idents = append(idents, identRE.FindAllString(line, -1)...)
		}
	}
	var ms []macro
	for _, n := range order {
		if b, ok := body[n]; ok {
			ms = append(ms, macro{n, b})
		}
	}
	return ms, idents, sc.Err()
}

func includes(headers []string) string {
	var b strings.Builder
	for _, h := range headers {
		fmt.Fprintf(&b, "#include <%s>\n", h)
	}
	return b.String()
}

func (c *cc) run(t target, src string, extra ...string) ([]byte, error) {
	f, err := c.source(src)
	if err != nil {
		return nil, err
	}
	defer os.Remove(f)
	cmd := exec.Command("gcc", c.args(t, append(extra, "-o", "-", f)...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("gcc %s (%s): %v\n%s", strings.Join(extra, " "), t.name, err, firstLines(stderr.String(), 20))
	}
	return out, nil
}

func firstLines(s string, n int) string {
	l := strings.SplitN(s, "\n", n+1)
	if len(l) > n {
		l = l[:n]
	}
	return strings.Join(l, "\n")
}

// source writes src to a fresh in-*.c file, so calls may run concurrently.
func (c *cc) source(src string) (string, error) {
	f, err := os.CreateTemp(c.tmp, "in-*.c")
	if err != nil {
		return "", err
	}
	if _, err := f.WriteString(src); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

var errLineRE = regexp.MustCompile(`in-\d+\.c:(\d+):\d+: (?:error|note)`)

// eval returns the integer values of names after including headers, as
// 64-bit two's complement (negative ints are sign-extended). Names that do
// not compile as integer constants (types, strings, pointers, function-like
// uses) are left out of the result.
func (c *cc) eval(t target, headers []string, names []string) (map[string]uint64, error) {
	live := append([]string(nil), names...)
	for round := 0; round < 200; round++ {
		if len(live) == 0 {
			return map[string]uint64{}, nil
		}
		pre := includes(headers) + "const unsigned long long rf_v[] = {\n"
		first := strings.Count(pre, "\n") + 1 // line of live[0]
		var b strings.Builder
		b.WriteString(pre)
		for _, n := range live {
			fmt.Fprintf(&b, "(unsigned long long)(long long)(%s),\n", n)
		}
		b.WriteString("};\n")
		f, err := c.source(b.String())
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("gcc", c.args(t, "-S", "-O0", "-w", "-fno-asynchronous-unwind-tables", "-o", "-", f)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		os.Remove(f)
		if err == nil {
			vals, perr := parseArray(out, "rf_v", len(live))
			if perr != nil {
				return nil, fmt.Errorf("%s: %v", t.name, perr)
			}
			res := make(map[string]uint64, len(live))
			for i, n := range live {
				res[n] = vals[i]
			}
			return res, nil
		}
		bad := map[int]bool{}
		for _, m := range errLineRE.FindAllStringSubmatch(stderr.String(), -1) {
			ln, _ := strconv.Atoi(m[1])
			if i := ln - first; i >= 0 && i < len(live) {
				bad[i] = true
			}
		}
		if len(bad) == 0 {
			return nil, fmt.Errorf("gcc (%s, %v): %v\n%s", t.name, headers, err, firstLines(stderr.String(), 20))
		}
		var keep []string
		for i, n := range live {
			if !bad[i] {
				keep = append(keep, n)
			}
		}
		live = keep
	}
	return nil, fmt.Errorf("gcc (%s, %v): too many rounds of compile errors", t.name, headers)
}

// parseArray reads the data directives gcc emitted for symbol sym and
// returns n little-endian 64-bit values.
func parseArray(asm []byte, sym string, n int) ([]uint64, error) {
	var data []byte
	in := false
	sc := bufio.NewScanner(bytes.NewReader(asm))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == sym+":" {
			in = true
			continue
		}
		if !in {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			if strings.HasSuffix(line, ":") {
				break
			}
			continue
		}
		size := map[string]int{".quad": 8, ".long": 4, ".value": 2, ".short": 2, ".byte": 1}[f[0]]
		switch {
		case f[0] == ".zero":
			k, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, fmt.Errorf("asm: %q", line)
			}
			data = append(data, make([]byte, k)...)
		case size > 0:
			v, err := strconv.ParseInt(f[1], 0, 64)
			if err != nil {
				u, uerr := strconv.ParseUint(f[1], 0, 64)
				if uerr != nil {
					return nil, fmt.Errorf("asm: %q", line)
				}
				v = int64(u)
			}
			var buf [8]byte
			binary.LittleEndian.PutUint64(buf[:], uint64(v))
			data = append(data, buf[:size]...)
		case strings.HasPrefix(f[0], ".size") || strings.HasPrefix(f[0], ".section") || strings.HasPrefix(f[0], ".globl") || strings.HasPrefix(f[0], ".ident"):
			if len(data) > 0 {
				in = false
			}
		}
	}
	if len(data) != 8*n {
		return nil, fmt.Errorf("asm: %s holds %d bytes, want %d", sym, len(data), 8*n)
	}
	vals := make([]uint64, n)
	for i := range vals {
		vals[i] = binary.LittleEndian.Uint64(data[8*i:])
	}
	return vals, nil
}
