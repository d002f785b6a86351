// Package cgroup puts ringfence sandboxes under memory, pids and CPU limits
// with Linux control groups, and gives the runner a way to kill every process
// of a sandbox at once and to leave no group behind.
//
// # Hierarchies
//
// Linux has two cgroup interfaces and machines mix them:
//
//   - cgroup v2 (one "unified" hierarchy, type cgroup2): each controller that
//     is not bound to a v1 hierarchy is listed in cgroup.controllers and must
//     be enabled in every ancestor's cgroup.subtree_control. Even with no
//     controller at all a v2 group tracks processes, and since Linux 5.14 its
//     cgroup.kill file kills them all atomically (no fork can escape).
//   - cgroup v1 (one hierarchy per mounted controller, type cgroup): memory,
//     pids, cpu and freezer are the ones used here.
//
// Each limit goes where its controller is: v2 when the unified hierarchy
// offers it, otherwise the v1 hierarchy that has it. A "hybrid" machine (v1
// controllers plus a controller-less cgroup2 at /sys/fs/cgroup/unified) thus
// gets its limits from v1 and its process tracking and cgroup.kill from v2.
//
// Groups live in a directory named "ringfence" under the place we may write:
// the hierarchy's root when we are root (/sys/fs/cgroup/memory/ringfence/NAME,
// /sys/fs/cgroup/unified/ringfence/NAME), or our own cgroup when it has been
// delegated to us (systemd-run --user --scope -p Delegate=yes). The
// "ringfence" directory itself is shared by concurrent supervisors and stays.
//
// What is written, per limit:
//
//	MemoryBytes  v2: memory.max=N, memory.swap.max=0 (no swap)
//	             v1: memory.limit_in_bytes=N, memory.memsw.limit_in_bytes=N (no swap),
//	                 or memory.swappiness=0 when there is no swap accounting;
//	                 memory.oom_control=0 (OOM killer on: a hog dies, never hangs)
//	Pids         v1 and v2: pids.max=N
//	CPUs         v2: cpu.max="QUOTA 100000"
//	             v1: cpu.cfs_period_us=100000, cpu.cfs_quota_us=QUOTA
//
// # Guarantees
//
// A requested limit that cannot be enforced is a *LimitError from New that
// names the limit and says why and what to do; it is never a silent no-op.
// Probe answers the same question without creating anything, from the same
// planning code, so a dry run and a real run never disagree.
//
// A zero Limits asks for no controller. New still creates a v2 group when the
// unified hierarchy is writable (for cgroup.kill and for knowing when the
// sandbox is empty), or else a v1 freezer group. If no hierarchy is writable
// at all (an unprivileged user without delegation), New returns a Group that
// tracks nothing: Paths is empty, Add, Kill and Destroy do nothing, and the
// runner must rely on its pid namespace to kill the sandbox.
//
// Kill uses, in order of preference: cgroup.kill (v2, atomic); freezing the
// group (v2 cgroup.freeze or the v1 freezer) then SIGKILL to every listed
// process then thaw, so nothing forks while we read the list; and as a last
// resort SIGKILL to every listed process until the list is empty. Signals go
// through pidfds after checking that the process is still in the group, so a
// recycled pid is never hit.
//
// # Use
//
// The runner's sequence:
//
//	cgroup.Cleanup("run-")                          // at start-up: empty groups of dead supervisors
//	g, err := cgroup.New(cgroup.UniqueName("run-"), limits)
//	// start init blocked on a pipe (or, when g.CloneInto() is ok, start it
//	// directly inside with SysProcAttr.UseCgroupFD), then:
//	g.Add(initPid)                                  // before init execs the workload
//	...                                             // init runs CMD
//	ev, _ := g.Events(); msg := ev.Explain(limits)  // "memory limit 64 MiB reached (…)"
//	g.Destroy()                                     // kill what is left, remove the directories
//
// Add the init before it unshares its cgroup namespace, so that the
// namespace is rooted at the sandbox's own group.
//
// # Why by hand
//
// The usual Go libraries (containerd/cgroups, runc's libcontainer/cgroups)
// either pick one interface for the whole machine or pull in systemd and
// D-Bus; neither gives a per-limit choice between v1 and v2 on a hybrid
// machine nor an error for each limit that cannot be enforced. What is needed
// is a few hundred lines of file writes, written here against the kernel's
// documentation (Documentation/admin-guide/cgroup-v2.rst and cgroup-v1/).
package cgroup
