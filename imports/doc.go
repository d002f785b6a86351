// Package imports reads the seccomp policy formats people already have into
// ringfence's IR (*seccomp.Policy): Kafel (nsjail's policy language), minijail
// .policy files, and systemd's SystemCallFilter= lines. OCI/Docker JSON is
// package oci's; Detect tells the five formats apart by content.
//
// Each importer returns the policy, a Warning for every construct it could
// not carry over exactly (the source is lossier than the IR in some places
// and richer in others), and, for malformed input, a *policy.Error (the same
// type the ringfence policy language uses): file:line:col, the source line
// and a caret under the column.
//
// # Order of rules
//
// ringfence's IR is order-free: every rule whose condition holds matches and
// the strictest action wins. Kafel and minijail are first-match-wins. The
// importers keep the source's meaning by giving rule i of a syscall the
// condition "its own condition, and none of the conditions of the earlier
// rules for that syscall whose action is less strict": whenever rule i
// matches with the IR's semantics, either no earlier rule matches, or an
// earlier one with an action at least as strict does, and then the
// strictest match is the first match's action. (Excluding only the less
// strict rules keeps conditions small in the usual order, denials before
// allows; TestFirstMatchRandom checks the conversion against a first-match
// evaluator.) A rule after an unconditional rule of the same syscall can
// never match; it is dropped with a warning.
//
// # Kafel
//
// The grammar follows google/kafel's parser: #define constants, POLICY
// blocks of action blocks and USE statements separated by commas, file-scope
// statements forming the implicit top-level policy, USE name DEFAULT action,
// DEFAULT action (KILL when absent, as in Kafel), syscall argument names
// declared in the rule header or taken from the syscall's known argument
// names (package syscalls' names, and the kernel prototypes' names Kafel's
// own tables use, such as ioctl's cmd and clone's clone_flags), Kafel's
// spellings newfstat/newstat/newlstat/newuname, SYSCALL[n] and ON arch
// guards, conditions with
// == != < <= > >= (unsigned), & on an argument, | between constants, ! && ||
// and the comma (a low-precedence ||). Arguments Kafel declares as 32 bits
// (C int and unsigned int) compare their low halves. #include reads files
// relative to the including file.
//
// Losses: TRAP(n) keeps the trap but not its n (the IR's trap carries no
// data); a comparison Kafel allows but seccomp cannot do in one step
// (argument against argument, an ordered comparison of a masked argument)
// is an error rather than a silent approximation.
//
// # minijail
//
// One statement per line (a trailing backslash continues it): `name: 1` or
// `allow`, `name: return ERRNO`, `name: kill|kill-process|kill-thread|trap|
// log|trace|user-notify`, and `name: EXPR [; return ERRNO]` where EXPR is a
// disjunction of conjunctions of `argN OP VALUE` (OP one of == != < <= > >=,
// & meaning "any of these bits set" and `in` meaning "no bits outside
// these"), VALUE made of constants, numbers, |, ~ and parentheses. As in
// libminijail's syscall_filter.c, a call whose arguments do not satisfy EXPR
// gets the errno after `; return`, or the default action (kill-process
// unless `@default` says otherwise). `{a, b}: ...` names several syscalls,
// `@include ./file` reads another file, `@frequency ./file` becomes
// Policy.Hot. A second line for the same syscall never applies (minijail's
// jump table takes the first) and is dropped with a warning. Comparisons are
// 64-bit and unsigned, as minijail compiles them on 64-bit ABIs.
//
// # systemd
//
// Unit-file lines are read; keys other than the SystemCall* ones are
// ignored. The first non-empty SystemCallFilter= decides the mode: a list
// (allowlist, default deny; systemd adds @default to it) or ~list (denylist,
// default allow). Later lines of the same polarity add to the set, of the
// other polarity remove from it; an empty assignment resets. Entries are
// syscall names or @groups (package syscalls' groups, written after
// systemd's), optionally with :ERRNO in a denylist. Denied calls get
// SystemCallErrorNumber= (errno name or number, `kill`, `log`) or
// kill-process. SystemCallArchitectures= sets Policy.Arches (`native` is the
// build's ABI); without it the native ABI and its companions are admitted,
// as systemd filters every ABI the kernel runs. SystemCallLog= becomes log
// rules. Names systemd would skip (unknown to the tables) are warnings.
package imports
