// Package policytest reads and runs policy test files: lines that name a
// system call, its ABI and arguments, and the decision a policy must give it,
// in the spirit of libseccomp's tests/*.tests rows:
//
//	# comment
//	read -> allow
//	x86_64:openat(AT_FDCWD, 0, O_WRONLY|O_CREAT) -> errno(EPERM)
//	i386:open -> kill-process
//	socket(AF_INET, SOCK_STREAM, 0) -> allow
//	x86_64:#999 -> errno(ENOSYS)        # a syscall by number
//
// Each call is evaluated twice: by the BPF emulator on the compiled program
// (what the kernel will do) and by the IR's reference semantics
// (seccomp.Policy.Decide); the two must agree, and both must give the
// expected action. The call syntax is shared with `ringfence explain`.
package policytest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/syscalls"
)

// Call is one system call as a filter sees it.
type Call struct {
	ABI  syscalls.Arch
	Name string // "" when given by number
	Nr   int
	Args [6]uint64
}

// Data is the seccomp_data the kernel would hand the filter.
func (c Call) Data() bpf.SeccompData {
	return bpf.SeccompData{Nr: int32(c.Nr), Arch: c.ABI.AuditArch(), Args: c.Args}
}

func (c Call) String() string {
	name := c.Name
	if name == "" {
		name = fmt.Sprintf("#%d", c.Nr)
	}
	n := 6
	for n > 0 && c.Args[n-1] == 0 {
		n--
	}
	args := make([]string, n)
	for i := range args {
		args[i] = fmt.Sprintf("%#x", c.Args[i])
	}
	return fmt.Sprintf("%s:%s(%s)", c.ABI, name, strings.Join(args, ", "))
}

// ParseCall reads `[arch:]name[(arg, ...)]` or `[arch:]#nr[(...)]`. Arguments
// are numbers (decimal, 0x hex, 0 octal, negative) or symbolic constants,
// joined with |. A missing arch means the native one.
func ParseCall(s string) (Call, error) {
	s = strings.TrimSpace(s)
	c := Call{ABI: syscalls.Native}
	head, argText, hasArgs := strings.Cut(s, "(")
	if hasArgs {
		if !strings.HasSuffix(argText, ")") {
			return c, fmt.Errorf("call %q: missing ')'", s)
		}
		argText = strings.TrimSuffix(argText, ")")
	}
	if archName, rest, ok := strings.Cut(head, ":"); ok {
		a, err := syscalls.ParseArch(strings.TrimSpace(archName))
		if err != nil {
			return c, err
		}
		c.ABI, head = a, rest
	}
	head = strings.TrimSpace(head)
	if err := c.setSyscall(head); err != nil {
		return c, err
	}
	if hasArgs && strings.TrimSpace(argText) != "" {
		parts := strings.Split(argText, ",")
		if len(parts) > 6 {
			return c, fmt.Errorf("call %q: %d arguments, a syscall has at most 6", s, len(parts))
		}
		for i, p := range parts {
			v, err := ParseValue(p)
			if err != nil {
				return c, fmt.Errorf("call %q: argument %d: %w", s, i, err)
			}
			c.Args[i] = v
		}
	}
	return c, nil
}

func (c *Call) setSyscall(head string) error {
	if strings.HasPrefix(head, "#") {
		n, err := strconv.ParseInt(head[1:], 0, 64)
		if err != nil {
			return fmt.Errorf("syscall number %q: %v", head, err)
		}
		c.Nr = int(n)
		c.Name, _ = syscalls.Name(c.ABI, c.Nr)
		return nil
	}
	nr, ok := syscalls.Number(c.ABI, head)
	if !ok {
		return fmt.Errorf("no syscall %q on %s%s", head, c.ABI, syscalls.DidYouMean(head, syscalls.Names(c.ABI)))
	}
	c.Name, c.Nr = head, nr
	return nil
}

// ParseValue reads a number or an |-joined set of constants and numbers.
// Negative numbers are stored as 64-bit two's complement.
func ParseValue(s string) (uint64, error) {
	var v uint64
	for _, part := range strings.Split(s, "|") {
		part = strings.TrimSpace(part)
		x, err := parseAtom(part)
		if err != nil {
			return 0, err
		}
		v |= x
	}
	return v, nil
}

func parseAtom(s string) (uint64, error) {
	if s == "" {
		return 0, fmt.Errorf("empty value")
	}
	if u, err := strconv.ParseUint(s, 0, 64); err == nil {
		return u, nil
	}
	if i, err := strconv.ParseInt(s, 0, 64); err == nil {
		return uint64(i), nil
	}
	if v, ok := syscalls.Constant(s); ok {
		return v, nil
	}
	if e, ok := syscalls.ErrnoValue(s); ok {
		return uint64(e), nil
	}
	return 0, fmt.Errorf("unknown constant %q%s", s, syscalls.DidYouMean(s, syscalls.ConstantNames()))
}
