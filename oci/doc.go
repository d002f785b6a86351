// Package oci converts between ringfence's policy IR (seccomp.Policy) and
// the seccomp profiles container runtimes read: the OCI runtime-spec
// linux.seccomp object (config.json, Kubernetes Localhost profiles) and its
// Docker/moby superset (docker run --security-opt seccomp=FILE, Docker's
// default profile), plus Security Profiles Operator SeccompProfile
// resources on export.
//
//	p, warnings, err := oci.Import(data, oci.ImportOptions{Filename: "profile.json"})
//	out, warnings, err := oci.Export(p, oci.ExportOptions{})
//	yaml, warnings, err := oci.ExportSPO(p, "my-profile", oci.ExportOptions{})
//
// # Import: what the container would get
//
// A profile is not a filter: Docker first resolves it for one container
// (architecture, capabilities, kernel), runc then hands the rules to
// libseccomp, and libseccomp builds the filter with rules of its own. Import
// does all three steps, so the IR decides every syscall the way the kernel
// would under runc with that profile:
//
//   - includes/excludes (moby's setupSeccomp): a rule is kept when
//     includes.arches names the native architecture in libseccomp's
//     spelling (amd64, x86, x32, arm64, arm, riscv64), every includes.caps
//     capability is in ImportOptions.Caps (default none: ringfence drops every
//     capability) and the kernel is at least includes.minKernel; excludes
//     drop it on any match. minKernel compares major.minor.patch with
//     ImportOptions.KernelVersion, by default the running kernel.
//   - ABIs: archMap's entry for the native architecture plus its
//     subArchitectures, or the old architectures list; libseccomp always
//     adds the native one. Docker's default profile thus admits i386 and x32
//     on x86_64, and the import does too (lint warns about it). Other ABIs
//     get libseccomp's bad-arch action, kill-thread.
//   - Actions: SCMP_ACT_KILL is libseccomp's kill-thread, as runc uses it
//     (not kill-process); ERRNO and TRACE without errnoRet return EPERM, as
//     in runc; errnoRet above 4095 is an error. defaultErrno (a name) is
//     accepted next to defaultErrnoRet.
//   - Rules whose action equals the default action are dropped (runc skips
//     them). A syscall's first unconditional rule replaces all its other
//     rules, whatever their order or action (libseccomp's db_rule_add); a
//     rule counts as unconditional on an ABI where its only conditions are
//     masked compares with no mask bits in the compared width, which
//     libseccomp drops as no-ops.
//   - Conditions: comparisons are unsigned. Conditions on different
//     arguments are AND'ed; when a rule names one argument twice, runc adds
//     each condition as a rule of its own, so ALL of the rule's conditions
//     are OR'ed, also those on other arguments. SCMP_CMP_MASKED_EQ takes the
//     mask from value and the datum from valueTwo, and libseccomp masks the
//     datum too ((arg & value) == (valueTwo & value)).
//   - Widths: libseccomp compares 64 bits on x86_64, aarch64 and riscv64, but
//     only the low 32 bits (of the argument and of the rule's values) on
//     i386, arm and x32 (arch-x32.c is ARCH_SIZE_32, although x32 passes
//     64-bit registers). The IR therefore gets a 32-bit comparison
//     (Cmp.Width32) for x32, and for i386 and arm where a value does not fit
//     in 32 bits; where the ABIs need different conditions, the rule is
//     split with arch guards.
//   - i386 multiplexers: libseccomp copies each rule for a socket call
//     (socket, connect, recv, ...) to socketcall(2), and each System V IPC
//     rule to ipc(2), with the condition on argument 0 replaced by
//     arg0 == the call's number and the others kept. The import does the
//     same, so a profile that limits socket(2) by address family but not
//     socketcall(2) shows the hole it has on i386.
//   - Names: a name no admitted ABI's table has is skipped with a warning
//     (runc and libseccomp skip names they do not know); aliases become the
//     tables' canonical name.
//   - Overlapping conditional rules with different actions for one
//     syscall: libseccomp's result then depends on how it merges its rule
//     tree; the IR applies the strictest action and Import warns.
//
// Not modelled: runc's ENOSYS stub (libcontainer/seccomp/patchbpf), which
// makes numbers above the highest syscall the profile names, as runc's
// libseccomp version resolves the names, return ENOSYS instead of the
// default action. It depends on that library version; the import leaves
// Policy.Unknown unset, and ringfence's own Unknown is the better tool.
//
// The import models libseccomp's intended semantics, not its bugs: compared
// with random profiles built by libseccomp 2.5.4 (Debian 12), a few syscalls
// with several conditional rules on related arguments are miscompiled by
// libseccomp (an argument half is compared without being reloaded), and the
// kernel, running that filter, then ignores one of the rules.
//   - Not represented, with a warning: flags (ringfence installs with its
//     own), listenerPath and listenerMetadata, unknown fields (Docker
//     ignores them too; the warning suggests the nearest known field).
//
// Errors are Errors: each names the file, line:col and JSON path of the
// offending value (syscalls[12].args[0].op) and what to write instead, with
// the nearest known name for a misspelled action, operator, architecture,
// errno or flag. The JSON is read into a tree that keeps every value's
// offset (jsontree.go) rather than decoded directly with encoding/json,
// because encoding/json reports neither the path nor the position of a
// value it accepted syntactically, and silently takes the last of duplicate
// keys and drops unknown ones.
//
// # Export: every decision kept, or an error
//
// Export writes the OCI linux.seccomp object: defaultAction (and
// defaultErrnoRet), architectures (the admitted ABIs, SCMP_ARCH_*) and
// syscalls grouped by identical action and arguments, unconditional rules
// first, sorted for stable diffs. The written profile makes, under runc and
// libseccomp, the same decision as Policy.Decide for every syscall and
// argument on every admitted ABI; where OCI cannot say it, Export fails with
// an error naming the syscall or rule. Per syscall and ABI:
//
//  1. Each rule's condition is turned into disjunctive normal form with
//     Not pushed down to the comparisons, then into sets of argument values
//     per argument as libseccomp will compare them on that ABI (64 bits, or
//     the low halves on i386, x32 and arm; i386 and arm arguments are
//     zero-extended, so a 64-bit comparison of a larger value folds to a
//     constant there).
//  2. Strictest wins without relying on libseccomp's precedence: actions
//     are taken strictest first, and each gets the region where its rules
//     hold and no stricter rule's do, so no two written rules with different
//     actions can both match. The default action's region is left out.
//  3. Each conjunction becomes OCI rules with at most one comparison per
//     argument (a second one would make runc OR them): an interval becomes
//     LT, GT, LE, EQ or NE when it can, otherwise, like a 32-bit comparison
//     on a 64-bit ABI, a signed comparison or a negated masked compare, a
//     union of SCMP_CMP_MASKED_EQ blocks, one OCI rule each (a 32-bit
//     equality is MASKED_EQ with mask 0xffffffff). A condition needing more
//     than 4096 rules is an error.
//  4. OCI applies each rule to every architecture in the profile. So the
//     rule lists of all ABIs where the name is a syscall must agree, the
//     64-bit list read with libseccomp's 32-bit truncation on i386, x32 and
//     arm. They do not agree, and Export fails, for an arch-guarded rule, a
//     64-bit comparison on a policy that admits x32 (libseccomp cannot see
//     the high half there), or a value above 2^32 compared on i386 or arm.
//  5. On i386 the profile is read back as runc would load it, and
//     socketcall(2) and ipc(2) must decide as the policy does (see the
//     multiplexers above): a policy that constrains socket(2) but leaves
//     socketcall(2) to a different decision cannot be exported with i386.
//
// Lost with a warning: Policy.Unknown (no OCI equivalent: unknown numbers
// get the default action; runc returns ENOSYS for numbers above the highest
// one in the profile), a bad-arch action other than kill-thread, trap data.
// Policy.Decide of the re-imported export equals the original's on every
// admitted ABI; the tests check this on Docker's profile and on random
// policies, and FuzzImport on arbitrary JSON.
//
// ExportSPO writes the same rules as a SeccompProfile resource
// (security-profiles-operator.x-k8s.io/v1beta1) with go.yaml.in/yaml/v3.
package oci
