// Package sandbox runs a program contained: new user, mount, pid, network,
// ipc, uts, cgroup and time namespaces (its clocks start near zero); the
// host root read-only with a private /tmp, a fresh /proc, a minimal /dev
// and hidden home directories; no capabilities, no_new_privs, not
// dumpable; Landlock rules that match the file system view; and a seccomp
// filter in force before the program's first instruction, made after its
// execve. It is the runner behind `ringfence run`, shaped like os/exec:
//
//	func main() {
//		cmd := sandbox.Command("/bin/sh", "-c", "echo hi")
//		cmd.Config.Filter = filterBytes // a compiled policy (bpf.Marshal)
//		cmd.Stdout = os.Stdout
//		err := cmd.Run() // *sandbox.ExitError for a non-zero status
//	}
//
// # Start-up
//
// The Go runtime is multi-threaded, and seccomp, capabilities and Landlock
// apply per thread; Go code also cannot run in a forked child. So the
// supervisor plans everything in Go (the mount operations, the Landlock
// rules, the gate's arguments) and hands the plan to the sandbox's init,
// which is C (init_linux.c): either an init that a C constructor cloned
// before the Go runtime started (prefork_linux.c; for programs that define
// rf_prefork_wanted, such as the CLI's run, or that run with
// RINGFENCE_PREFORK=1), which gets the plan through shared memory, or one
// forked from the supervisor with clone3, which reads it from its copy of
// the supervisor's memory. No second program is executed and no second Go
// runtime starts, which is what start-up cost was made of. The init builds
// the file system view, pivots, brings up loopback, builds the Landlock
// ruleset, looks CMD up in its PATH, and forks CMD through the exec gate, a
// small C function (gate_linux.c) whose child runs only raw system calls,
// single threaded: it closes fds, sets rlimits, drops groups, the bounding
// set, ambient and all other capabilities, sets no_new_privs, restricts
// itself with Landlock, switches uid and execs CMD stopped at its entry
// point; there the init makes CMD call prctl(PR_SET_DUMPABLE, 0), mlockall
// (Config.Mlock) and seccomp with ptrace (inject_linux.c), before CMD's
// first instruction, and detaches. So the user's policy never needs a line
// for the launcher (Start still checks, in the emulator of package bpf, that
// it admits execve, which every program needs), and a kill action hits a
// single-threaded process. docs/run-design.md has the sequence diagram and
// the cost of each stage. Programs that use this package need no set-up
// call in main.
//
// The init stays PID 1: it reaps orphans, forwards SIGTERM, SIGINT,
// SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT and SIGALRM to CMD,
// and reports CMD's status (128+N for signal N) and why the sandbox ended
// it (seccomp SIGSYS, RLIMIT_CPU, the timeout) to the supervisor. If the
// supervisor dies, Pdeathsig kills the init and with it the whole pid
// namespace; mounts vanish with the mount namespace.
//
// # Identity
//
// As root, the sandbox's uid and gid (0 by default) map to host nobody
// (65534) unless HostUID/HostGID say otherwise; host root needs
// MapHostRoot. Rootless, they map to the caller's own ids, and setgroups
// is denied in the namespace. Either way CMD holds no capability.
//
// # Refusals
//
// A control that is requested but cannot be applied stops Start with an
// error that names it and says what to change: a nil Filter without
// SeccompOff, a filter that denies execve, Landlock required but missing,
// a cgroup limit that package cgroup cannot enforce here (rootless without
// a delegated cgroup), --mlock (it cannot survive execve).
//
// # TTY
//
// With Config.TTY the supervisor allocates a pty; its slave is CMD's stdio
// and controlling terminal (TIOCSCTTY in CMD's own session), and the
// supervisor copies between the master and Cmd.Stdin/Stdout, putting a
// terminal stdin in raw mode and following its window size. CMD never
// holds an fd of the caller's terminal, so TIOCSTI can only reach its own
// pty. Without TTY, CMD has no controlling terminal at all. Probe reports layer by
// layer what a Config asks for and what this kernel and privilege level
// will enforce.
//
// Only *_linux.go files touch system calls; elsewhere Start returns an
// error and Probe reports nothing enforceable.
package sandbox
