// Package dockerprofile reads the subset of Docker's seccomp JSON that
// Docker's default profile uses (names, SCMP_ACT_ALLOW/ERRNO, args with
// SCMP_CMP_* ops, includes/excludes by arch, caps and minKernel) into the
// seccomp IR, for the compiler's benchmark and tests.
//
// It is a stopgap written before package oci's importer (the full format,
// with positions in errors) existed; the benchmark and tests switch to that
// importer once it lands.
package dockerprofile

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

type profile struct {
	DefaultAction   string `json:"defaultAction"`
	DefaultErrnoRet *uint16
	ArchMap         []struct {
		Architecture     string   `json:"architecture"`
		SubArchitectures []string `json:"subArchitectures"`
	} `json:"archMap"`
	Syscalls []struct {
		Names    []string `json:"names"`
		Action   string   `json:"action"`
		ErrnoRet *uint16  `json:"errnoRet"`
		Args     []struct {
			Index    uint8  `json:"index"`
			Value    uint64 `json:"value"`
			ValueTwo uint64 `json:"valueTwo"`
			Op       string `json:"op"`
		} `json:"args"`
		Includes filter `json:"includes"`
		Excludes filter `json:"excludes"`
	} `json:"syscalls"`
}

type filter struct {
	Arches    []string `json:"arches"`
	Caps      []string `json:"caps"`
	MinKernel string   `json:"minKernel"`
}

var ops = map[string]seccomp.Op{
	"SCMP_CMP_EQ": seccomp.OpEq, "SCMP_CMP_NE": seccomp.OpNe, "SCMP_CMP_LT": seccomp.OpLt,
	"SCMP_CMP_LE": seccomp.OpLe, "SCMP_CMP_GT": seccomp.OpGt, "SCMP_CMP_GE": seccomp.OpGe,
	"SCMP_CMP_MASKED_EQ": seccomp.OpMaskedEq,
}

func action(name string, errno *uint16, def uint16) (seccomp.Action, error) {
	switch name {
	case "SCMP_ACT_ALLOW":
		return seccomp.Allow, nil
	case "SCMP_ACT_ERRNO":
		if errno != nil {
			return seccomp.Errno(*errno), nil
		}
		return seccomp.Errno(def), nil
	case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD":
		return seccomp.KillThread, nil
	case "SCMP_ACT_KILL_PROCESS":
		return seccomp.KillProcess, nil
	case "SCMP_ACT_LOG":
		return seccomp.Log, nil
	}
	return seccomp.Action{}, fmt.Errorf("action %s is not supported by this stopgap reader", name)
}

// Load reads the profile at path for the native architecture (Docker's
// name "amd64"), no capabilities and a current kernel. When multiArch is
// set, the ABIs of Docker's archMap for the native arch are admitted too
// (x86_64, i386, x32 on amd64), as Docker does.
func Load(path string, multiArch bool) (*seccomp.Policy, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pr profile
	if err := json.Unmarshal(b, &pr); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var defErrno uint16 = 1
	if pr.DefaultErrnoRet != nil {
		defErrno = *pr.DefaultErrnoRet
	}
	def, err := action(pr.DefaultAction, pr.DefaultErrnoRet, defErrno)
	if err != nil {
		return nil, err
	}
	p := &seccomp.Policy{Default: def, Arches: []syscalls.Arch{syscalls.ArchX86_64}}
	if multiArch {
		for _, m := range pr.ArchMap {
			if m.Architecture != "SCMP_ARCH_X86_64" {
				continue
			}
			for _, s := range m.SubArchitectures {
				a, err := syscalls.ParseArch(s)
				if err != nil {
					return nil, err
				}
				p.Arches = append(p.Arches, a)
			}
		}
	}
	const native = "amd64"
	for i, sc := range pr.Syscalls {
		if len(sc.Includes.Caps) > 0 || (len(sc.Includes.Arches) > 0 && !slices.Contains(sc.Includes.Arches, native)) ||
			slices.Contains(sc.Excludes.Arches, native) {
			continue // no capabilities; other arches
		}
		act, err := action(sc.Action, sc.ErrnoRet, defErrno)
		if err != nil {
			return nil, fmt.Errorf("syscalls[%d]: %w", i, err)
		}
		var when seccomp.And
		for _, a := range sc.Args {
			op, ok := ops[a.Op]
			if !ok {
				return nil, fmt.Errorf("syscalls[%d]: unknown op %s", i, a.Op)
			}
			c := seccomp.Cmp{Arg: a.Index, Op: op, Value: a.Value}
			if op == seccomp.OpMaskedEq {
				c.Mask, c.Value = a.Value, a.ValueTwo
			}
			when = append(when, c)
		}
		for _, name := range sc.Names {
			if !syscalls.Known(name) {
				continue
			}
			r := seccomp.Rule{Syscall: name, Action: act, Source: fmt.Sprintf("%s: syscalls[%d]", path, i)}
			if len(when) > 0 {
				r.When = when
			}
			p.Rules = append(p.Rules, r)
		}
	}
	return p, nil
}
