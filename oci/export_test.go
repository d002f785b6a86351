package oci

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.yaml.in/yaml/v3"

	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

func exportProfile(t *testing.T, p *seccomp.Policy) *specs.LinuxSeccomp {
	t.Helper()
	out, _, err := Export(p, ExportOptions{})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	var prof specs.LinuxSeccomp
	if err := json.Unmarshal(out, &prof); err != nil {
		t.Fatalf("the export is not an OCI linux.seccomp object: %v\n%s", err, out)
	}
	return &prof
}

func TestExportForms(t *testing.T) {
	x86 := []syscalls.Arch{syscalls.ArchX86_64}
	cases := []struct {
		name string
		when seccomp.Expr
		want string // the args of the single allow rule, as argsKey writes them
	}{
		{"eq", seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 5}, "0 SCMP_CMP_EQ 0x5 0x0;"},
		{"not-eq", seccomp.Not{X: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 5}}, "0 SCMP_CMP_NE 0x5 0x0;"},
		{"not-lt", seccomp.Not{X: seccomp.Cmp{Arg: 1, Op: seccomp.OpLt, Value: 5}}, "1 SCMP_CMP_GT 0x4 0x0;"},
		{"le", seccomp.Cmp{Arg: 0, Op: seccomp.OpLe, Value: 0xffffffff}, "0 SCMP_CMP_LE 0xffffffff 0x0;"},
		{"masked", seccomp.Cmp{Arg: 2, Op: seccomp.OpMaskedEq, Mask: 0xf0, Value: 0x10}, "2 SCMP_CMP_MASKED_EQ 0xf0 0x10;"},
		{"eq32", seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 7, Width32: true}, "0 SCMP_CMP_MASKED_EQ 0xffffffff 0x7;"},
		{"and", seccomp.And{seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1}, seccomp.Cmp{Arg: 3, Op: seccomp.OpGe, Value: 9}}, "0 SCMP_CMP_EQ 0x1 0x0;3 SCMP_CMP_GT 0x8 0x0;"},
		// A range on one argument: aligned blocks, one OCI rule each.
		{"range", seccomp.And{seccomp.Cmp{Arg: 0, Op: seccomp.OpGe, Value: 4}, seccomp.Cmp{Arg: 0, Op: seccomp.OpLt, Value: 8}}, "0 SCMP_CMP_MASKED_EQ 0xfffffffffffffffc 0x4;"},
	}
	for _, c := range cases {
		p := &seccomp.Policy{Default: seccomp.Errno(1), Arches: x86, BadArch: seccomp.KillThread,
			Rules: []seccomp.Rule{{Syscall: "kill", When: c.when, Action: seccomp.Allow}}}
		prof := exportProfile(t, p)
		if len(prof.Syscalls) != 1 {
			t.Errorf("%s: %d OCI rules, want 1: %+v", c.name, len(prof.Syscalls), prof.Syscalls)
			continue
		}
		if got := argsKey(prof.Syscalls[0].Args); got != c.want {
			t.Errorf("%s: args %s, want %s", c.name, got, c.want)
		}
	}
}

// TestExportOverlap: rules of different actions that overlap are written so
// that the OCI rules cannot overlap, keeping strictest-wins.
func TestExportOverlap(t *testing.T) {
	p := &seccomp.Policy{Default: seccomp.Errno(1), Arches: []syscalls.Arch{syscalls.ArchX86_64}, BadArch: seccomp.KillThread,
		Rules: []seccomp.Rule{
			{Syscall: "kill", Action: seccomp.Allow},
			{Syscall: "kill", When: seccomp.Cmp{Arg: 1, Op: seccomp.OpEq, Value: 9}, Action: seccomp.KillProcess},
		}}
	prof := exportProfile(t, p)
	var got []string
	for _, s := range prof.Syscalls {
		got = append(got, string(s.Action)+" "+argsKey(s.Args))
	}
	want := []string{"SCMP_ACT_KILL_PROCESS 1 SCMP_CMP_EQ 0x9 0x0;", "SCMP_ACT_ALLOW 1 SCMP_CMP_NE 0x9 0x0;"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExportRefusals(t *testing.T) {
	base := func(arches []syscalls.Arch, rules ...seccomp.Rule) *seccomp.Policy {
		return &seccomp.Policy{Default: seccomp.Errno(1), Arches: arches, BadArch: seccomp.KillThread, Rules: rules}
	}
	x86all := []syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386, syscalls.ArchX32}
	cases := []struct {
		name string
		p    *seccomp.Policy
		want string
	}{
		{"64-bit compare with x32", base(x86all, seccomp.Rule{Syscall: "kill", When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 5}, Action: seccomp.Allow}),
			"on x32 libseccomp compares only the low 32 bits"},
		{"arch guard", base([]syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386}, seccomp.Rule{Syscall: "kill", Arches: []syscalls.Arch{syscalls.ArchI386}, Action: seccomp.Allow}),
			"decides it differently on x86_64 and i386"},
		{"value beyond 32 bits with i386", base([]syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386}, seccomp.Rule{Syscall: "kill", When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1<<32 | 5}, Action: seccomp.Allow}),
			"decides it differently on x86_64 and i386"},
		{"socketcall on i386", base([]syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386}, seccomp.Rule{Syscall: "socket", When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1}, Action: seccomp.Allow}),
			"to socketcall(2) with arg0 == the call's number"},
		{"invalid action", base(nil, seccomp.Rule{Syscall: "kill", Action: seccomp.Action{}}), "invalid action"},
	}
	for _, c := range cases {
		_, _, err := Export(c.p, ExportOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	// With socketcall decided outright, the same policy exports.
	ok := base([]syscalls.Arch{syscalls.ArchX86_64, syscalls.ArchI386},
		seccomp.Rule{Syscall: "socket", When: seccomp.Cmp{Arg: 0, Op: seccomp.OpEq, Value: 1}, Action: seccomp.Allow},
		seccomp.Rule{Syscall: "socketcall", Action: seccomp.KillProcess})
	if _, _, err := Export(ok, ExportOptions{}); err != nil {
		t.Errorf("socketcall denied outright: %v", err)
	}
}

func TestImportSocketcallMultiplexing(t *testing.T) {
	p := mustImport(t, []byte(`{"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86"], "syscalls": [
		{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
		{"names": ["recv"], "action": "SCMP_ACT_LOG"}]}`), ImportOptions{Arch: syscalls.ArchX86_64})
	i386 := syscalls.ArchI386
	for _, c := range []struct {
		name string
		args []uint64
		want seccomp.Action
	}{
		{"socket", []uint64{1}, seccomp.Allow},
		{"socket", []uint64{2}, seccomp.Errno(1)},
		{"socketcall", []uint64{1, 0xbad}, seccomp.Allow}, // SYS_SOCKET, whatever the family
		{"socketcall", []uint64{10}, seccomp.Log},         // SYS_RECV: recv exists only through socketcall
		{"socketcall", []uint64{3}, seccomp.Errno(1)},
	} {
		if got := p.Decide(call(t, i386, c.name, c.args...)).Action; got != c.want {
			t.Errorf("i386 %s(%v) = %v, want %v", c.name, c.args, got, c.want)
		}
	}
}

func TestExportWarnings(t *testing.T) {
	enosys := seccomp.Errno(38)
	p := &seccomp.Policy{Default: seccomp.Errno(1), Unknown: &enosys, Rules: []seccomp.Rule{
		{Syscall: "arm_fadvise64_64", Action: seccomp.Allow},
		{Syscall: "kill", Action: seccomp.Action{Kind: seccomp.ActTrap, Data: 3}},
	}}
	_, warns, err := Export(p, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, w := range warns {
		all = append(all, w.Msg)
	}
	joined := strings.Join(all, "\n")
	for _, want := range []string{"has no OCI equivalent: such syscalls get the default action", "bad-arch action kill-process", "arm_fadvise64_64", "trap(3)"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
}

func TestExportSPO(t *testing.T) {
	p := mustImport(t, readDocker(t), ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1"})
	out, _, err := ExportSPO(p, "docker-default", ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct{ Name string }
		Spec       struct {
			DefaultAction string   `yaml:"defaultAction"`
			Architectures []string `yaml:"architectures"`
			Syscalls      []struct {
				Action string
				Names  []string
				Args   []struct {
					Index    uint
					Value    uint64
					ValueTwo uint64 `yaml:"valueTwo"`
					Op       string
				}
			}
		}
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if doc.APIVersion != "security-profiles-operator.x-k8s.io/v1beta1" || doc.Kind != "SeccompProfile" || doc.Metadata.Name != "docker-default" {
		t.Errorf("header: %+v", doc)
	}
	if doc.Spec.DefaultAction != "SCMP_ACT_ERRNO" || strings.Join(doc.Spec.Architectures, ",") != "SCMP_ARCH_X86_64,SCMP_ARCH_X86,SCMP_ARCH_X32" {
		t.Errorf("spec: %s %v", doc.Spec.DefaultAction, doc.Spec.Architectures)
	}
	prof := exportProfile(t, p)
	if len(doc.Spec.Syscalls) != len(prof.Syscalls) {
		t.Fatalf("%d SPO rules, %d OCI rules", len(doc.Spec.Syscalls), len(prof.Syscalls))
	}
	for i, s := range doc.Spec.Syscalls {
		o := prof.Syscalls[i]
		if s.Action != string(o.Action) || strings.Join(s.Names, ",") != strings.Join(o.Names, ",") || len(s.Args) != len(o.Args) {
			t.Errorf("rule %d differs: SPO %+v, OCI %+v", i, s, o)
		}
	}
}

// TestExportDockerGolden pins the export of Docker's default profile (as
// imported for x86_64, no capabilities, kernel 6.1): go test -update
// rewrites testdata/docker-default.x86_64.export.json.
func TestExportDockerGolden(t *testing.T) {
	p := mustImport(t, readDocker(t), ImportOptions{Arch: syscalls.ArchX86_64, KernelVersion: "6.1"})
	out, _, err := Export(p, ExportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/docker-default.x86_64.export.json"
	if *update {
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(out, want) {
		t.Errorf("export differs from %s (go test -update rewrites it after review)", golden)
	}
}
