package oci_test

import (
	"fmt"
	"os"

	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/oci"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
)

// Import a Docker-style profile for an x86_64 container without
// capabilities, and ask the policy what a call gets.
func ExampleImport() {
	profile := []byte(`{
		"defaultAction": "SCMP_ACT_ERRNO",
		"syscalls": [
			{"names": ["read", "write", "exit_group"], "action": "SCMP_ACT_ALLOW"},
			{"names": ["socket"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]},
			{"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}}
		]}`)
	p, warnings, err := oci.Import(profile, oci.ImportOptions{Arch: syscalls.ArchX86_64, Filename: "profile.json"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range warnings {
		fmt.Println(w)
	}
	ask := func(name string, arg0 uint64) {
		nr, _ := syscalls.Number(syscalls.ArchX86_64, name)
		d := bpf.SeccompData{Nr: int32(nr), Arch: syscalls.AuditArchX86_64, Args: [6]uint64{arg0}}
		fmt.Printf("%s(%d): %v\n", name, arg0, p.Decide(d).Action)
	}
	ask("read", 0)
	ask("socket", 1) // AF_UNIX
	ask("socket", 2) // AF_INET
	ask("mount", 0)  // CAP_SYS_ADMIN only
	// Output:
	// read(0): allow
	// socket(1): allow
	// socket(2): errno(EPERM)
	// mount(0): errno(EPERM)
}

// Export a policy as an OCI linux.seccomp profile for runc, crun, Docker or
// a Kubernetes Localhost profile.
func ExampleExport() {
	p := &seccomp.Policy{
		Default: seccomp.Errno(1),
		BadArch: seccomp.KillThread,
		Arches:  []syscalls.Arch{syscalls.ArchX86_64},
		Rules: []seccomp.Rule{
			{Syscall: "read", Action: seccomp.Allow},
			{Syscall: "write", Action: seccomp.Allow},
			{Syscall: "kill", When: seccomp.Cmp{Arg: 1, Op: seccomp.OpEq, Value: 0}, Action: seccomp.Allow},
		},
	}
	out, warnings, err := oci.Export(p, oci.ExportOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, w := range warnings {
		fmt.Println(w)
	}
	os.Stdout.Write(out)
	// Output:
	// {
	// 	"defaultAction": "SCMP_ACT_ERRNO",
	// 	"defaultErrnoRet": 1,
	// 	"architectures": [
	// 		"SCMP_ARCH_X86_64"
	// 	],
	// 	"syscalls": [
	// 		{
	// 			"names": [
	// 				"read",
	// 				"write"
	// 			],
	// 			"action": "SCMP_ACT_ALLOW"
	// 		},
	// 		{
	// 			"names": [
	// 				"kill"
	// 			],
	// 			"action": "SCMP_ACT_ALLOW",
	// 			"args": [
	// 				{
	// 					"index": 1,
	// 					"value": 0,
	// 					"op": "SCMP_CMP_EQ"
	// 				}
	// 			]
	// 		}
	// 	]
	// }
}
