// Package sandbox runs a program contained: new user, mount, pid, network,
// ipc, uts and cgroup namespaces; the host root read-only with a private
// /tmp, a fresh /proc, a minimal /dev and hidden home directories; no
// capabilities, no_new_privs, Landlock rules that match the file system
// view, and a seccomp filter installed as the very last step before
// execve. It is the runner behind `ringfence run`, shaped like os/exec:
//
//	func main() {
//		sandbox.Init() // first thing: see below
//		cmd := sandbox.Command("/bin/sh", "-c", "echo hi")
//		cmd.Config.Filter = filterBytes // a compiled policy (bpf.Marshal)
//		cmd.Stdout = os.Stdout
//		err := cmd.Run() // *sandbox.ExitError for a non-zero status
//	}
//
// # Init
//
// Start re-executes the running binary (/proc/self/exe, argv[0]
// "ringfence-init" and an environment marker) as PID 1 of the sandbox.
// Programs that use this package must call Init first thing in main, and
// test binaries in TestMain; Init returns at once in every other process.
// The config and the filter go to the init over an inherited socket, never
// on the command line.
//
// # Start-up
//
// The Go runtime is multi-threaded, and seccomp, capabilities and Landlock
// apply per thread; the Go runtime also cannot run Go code in a forked
// child. So the init (Go) does everything that needs no per-thread state:
// mounts, pivot_root, hostname, loopback, Landlock ruleset, PATH lookup.
// It then forks CMD through the exec gate, a small C function
// (gate_linux.c) whose child runs only C and raw system calls, single
// threaded: it closes fds, sets rlimits, drops groups, the bounding set,
// ambient and all other capabilities, sets no_new_privs, restricts itself
// with Landlock, switches uid, clears dumpable, and installs the filter as
// its last call before execve. So the user's policy only ever has to admit
// execve itself (Start checks that in the emulator, package bpf, and
// refuses otherwise), and a kill action hits a single-threaded process.
// docs/run-design.md has the sequence diagram and the cost of each stage.
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
