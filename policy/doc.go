// Package policy is the front end of ringfence's policy language: lexer,
// parser, resolver, canonical printer, and the built-in policies. The manual
// is docs/policy.md; this comment is the map of the code.
//
//	file.policy --lex--> tokens --parse--> *File (AST) --Resolve--> *seccomp.Policy (IR)
//	                                          |                          |
//	                                        Format                     Print
//
// A policy reads like this:
//
//	policy "myapp" version 1
//	default errno(EPERM)
//	unknown errno(ENOSYS)
//	define RO = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_DIRECTORY
//	allow read, write, close, @basic-io
//	allow openat if flags in RO
//	allow ioctl if cmd == TCGETS else errno(ENOTTY)
//	kill-process ptrace
//
// Every token and every AST node carries its position (file, line, column).
// Each parse function has its grammar rule in its comment, minijail-style;
// docs/policy.md has the whole grammar in EBNF. The parser is written by hand,
// not generated, because the errors are the product: each one says where
// (file:line:col, the line and a caret), what was expected, and the nearest
// known name (syscalls.Nearest) for a misspelled syscall, group, constant,
// errno, argument or keyword. Errors are collected, not stopped at: the
// parser skips to the next line after a bad statement, and the resolver
// checks every rule, so one run shows every mistake, sorted by position.
//
// The resolver (Resolve, Load) turns the files of one include tree into the
// IR of package seccomp. Its decisions, each also documented in the manual:
//
//   - Names are checked against the syscall tables of the ABIs a rule applies
//     to: the admitted ABIs (`arch`, native by default), narrowed by a rule's
//     guard (`allow[i386] socketcall`). A name unknown to all of them is an
//     error; a name that exists on some of them applies where it exists. A
//     guard naming only ABIs the policy does not admit is a dead rule (so one
//     built-in policy serves every native arch), checked against the guard.
//   - Argument widths follow the argument's C type (syscalls.Args): int,
//     unsigned int and file descriptors compare only their low 32 bits
//     (Cmp.Width32), because the kernel truncates them and an attacker
//     chooses the upper half; int and fd order signed. Everything else
//     compares 64 bits unsigned. `arg:u32` `arg:s32` `arg:u64` `arg:s64`
//     override. A constant that does not fit a 32-bit argument is an error.
//   - Constants are looked up per ABI (syscalls.ConstantFor): when a rule's
//     condition means different numbers on two admitted ABIs (O_DIRECTORY on
//     x86_64 and aarch64), the rule is split into one IR rule per ABI group.
//   - Several matching rules: the strictest action wins (seccomp.Policy), so
//     order never matters. The same syscall, guard and condition (compared in
//     the canonical printed form of the lowered condition) with two actions
//     is an error naming both places. `else` lowers to a second rule with the
//     negated condition.
//   - Defines share one namespace across the include tree and may be used
//     before they are defined. A define is a set of syscalls, a constant or a
//     condition, told apart by its shape; conditions are expanded per
//     syscall, so one macro can name an argument that sits at different
//     positions in different syscalls.
//
// Format is gofmt for policies. Print writes any IR policy (from an OCI
// profile, from learn mode) as policy text without changing one decision;
// the tests check that on random policies and random seccomp_data.
//
// Built-in policies (Builtin, BuiltinNames, BuiltinSource) are embedded from
// builtin/*.policy; "default" is the sandbox policy of `ringfence run`.
package policy
