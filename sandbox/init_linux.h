// The sandbox's init stage, in C: see init_linux.c.
#ifndef RINGFENCE_INIT_H
#define RINGFENCE_INIT_H

#include <stdint.h>

#include "gate_linux.h"

// One step of the file system plan. Go plans (mounts_linux.go), C runs.
enum rf_op_kind {
	RF_OP_PRIVATE = 1, // mount("", path, MS_REC|MS_PRIVATE)
	RF_OP_OPEN_TREE,   // trees[slot] = open_tree(path, OPEN_TREE_CLONE|AT_RECURSIVE)
	RF_OP_ATTACH,      // trees[slot]: mount_setattr(attr, AT_RECURSIVE), move_mount to path
	RF_OP_MOUNT,       // mount(source, path, fstype, flags, data) on a directory made if missing
	RF_OP_BIND,        // mount(source, path, MS_BIND) on an empty file made if missing
	RF_OP_MKDIR,       // mkdir(path, mode)
	RF_OP_SYMLINK,     // symlink(source, path)
	RF_OP_SETATTR,     // mount_setattr(path, attr)
	RF_OP_PIVOT,       // chdir(path), pivot_root(".", "."), umount2(".", MNT_DETACH), chdir("/")
	RF_OP_PROC,        // proc at path: the one made before the user namespace (two_step), else a new mount
};

struct rf_op {
	int kind;
	int optional;        // skip when path does not exist
	int slot;            // OPEN_TREE, ATTACH: index into rf_init_args.trees
	unsigned int mode;   // MKDIR
	unsigned long flags; // MOUNT: MS_* flags
	uint64_t attr;       // ATTACH, SETATTR: MOUNT_ATTR_* to set
	const char *path;
	const char *source;  // MOUNT, BIND: source; SYMLINK: target
	const char *fstype;
	const char *data;
};

// One Landlock rule: rights beneath path (masked to file rights when path
// is not a directory).
struct rf_rule {
	const char *path;
	uint64_t rights;
};

// The stages whose cost and failures the init reports.
enum rf_stage {
	RF_STAGE_SETUP = 0, // fds, sync, identity
	RF_STAGE_MOUNTS,
	RF_STAGE_HOSTNAME,
	RF_STAGE_NETWORK,
	RF_STAGE_LANDLOCK,
	RF_STAGE_RESOLVE,
	RF_STAGE_TTY,
	RF_STAGE_GATE,
	RF_NSTAGES,
};

// Everything the init needs, in C memory that the forked child reads from
// its copy of the supervisor's address space. fds are the supervisor's
// numbers; the child moves them where they belong.
struct rf_init_args {
	int stdio[3];         // become 0, 1, 2
	const int *keep_src;  // become keep_dst[i] (Config.KeepFDs)
	const int *keep_dst;
	int nkeep;
	int sock;             // SOCK_SEQPACKET to the supervisor
	int sync_r;           // -1, or: wait for the supervisor's 'G' (it joins a cgroup first)

	// two_step (as root): clone3 makes only the pid namespace; the init,
	// still global root, sets vm.memfd_noexec there (only global root may),
	// makes its proc mount (procfs belongs to the pid namespace's owner),
	// takes the host ids, then unshares unshare_flags, user namespace
	// first, and maps its own ids (init_own_ids).
	int two_step;
	int memfd_noexec;
	uint64_t unshare_flags;
	int host_uid, host_gid; // what uid and gid map to
	int *trees;           // detached mount trees; -1 for slots OPEN_TREE fills
	int ntrees;

	int uid, gid;         // the init's ids inside (setgroups is denied there)

	const struct rf_op *ops;
	int nops;

	// tty: a pty from the sandbox's own devpts becomes fds 0-2 (the gate
	// makes it CMD's controlling terminal); its master goes to the
	// supervisor with RF_MSG_STARTED. rows and cols are its first size.
	int tty;
	unsigned short tty_rows, tty_cols;

	const char *hostname; // NULL: keep
	int lo_up;            // bring lo up (new network namespace)
	int new_time;         // a time namespace for CMD, clocks from ~0

	int landlock;         // 1: build a ruleset
	uint64_t ll_handled_fs;
	uint64_t ll_scoped;
	uint64_t ll_file_rights; // the rights that apply to a file (not a directory)
	unsigned long ll_attr_size;
	const struct rf_rule *rules;
	int nrules;
	// Execute is granted by a scan of the view's / (exec_scan): on every
	// entry not in ll_noexec, ll_writable, nor holding a writable mount.
	uint64_t ll_exec_rights;
	const char *const *ll_writable;
	int nwritable;
	const char *const *ll_noexec;
	int nnoexec;

	const char *cmd;      // CMD as given: looked up in path_env when it has no '/'
	const char *path_env; // CMD's PATH

	struct gate_args gate; // path and landlock_fd are filled in by the init
	char *resolved;       // a buffer of 4096 bytes for the resolved path
};

// Messages from the init to the supervisor, one per packet.
enum rf_msg_type {
	RF_MSG_STARTED = 1, // CMD runs (listener fd attached with notify)
	RF_MSG_ERROR,       // a stage failed; nothing runs
	RF_MSG_EXIT,        // CMD ended
};

enum { RF_FD_LISTENER = 1, RF_FD_PTY = 2 };

struct rf_msg {
	int32_t type;
	int32_t stage;      // ERROR: enum rf_stage
	int32_t index;      // ERROR: op or rule index, -1
	int32_t err;        // ERROR: errno
	char what[48];      // ERROR: the failing call
	char path[256];     // ERROR: the path it failed on, when the init knows it
	char gate_stage[32]; // ERROR in the gate: its step
	int32_t fds;        // STARTED: the fds attached, in this order: RF_FD_LISTENER, RF_FD_PTY
	int32_t pid;        // STARTED: CMD's pid inside
	int32_t status;     // EXIT: CMD's wait status
	int64_t cpu_ns;     // EXIT: CMD's user+system CPU time
	int64_t entered_ns; // STARTED: CLOCK_REALTIME when the child began
	int64_t stage_ns[RF_NSTAGES];
};

// The most fds one message carries (SCM_RIGHTS): a plan with more takes
// the rf_spawn path rather than the preforked init.
#define RF_MAX_FDS 64

// rf_send sends len bytes of buf as one packet with nfds fds attached:
// 0, or -1 with errno.
int rf_send(int sock, const void *buf, size_t len, const int *fds, int nfds);

// rf_clone_init clones with clone3(flags | CLONE_PIDFD), the child with
// every signal blocked (the init takes them with sigwaitinfo, and no
// handler of the parent may run in it): the pid, 0 in the child, or -1
// with errno.
long rf_clone_init(uint64_t flags, int *pidfd);

// Who the init becomes and the namespaces it unshares (rf_enter).
struct rf_identity {
	int host_ids;           // take host_uid and host_gid first (as root)
	int host_uid, host_gid; // what the ids inside map to
	int uid, gid;           // the ids inside
	uint64_t unshare_flags;
};

// rf_enter takes the identity and namespaces of id: 0, or -1 with errno
// and *what set to the failing call (init_linux.c).
int rf_enter(const struct rf_identity *id, const char **what);

// rf_put_file writes n bytes of s to path, a small kernel file: 0, or -1
// with errno.
int rf_put_file(const char *path, const char *s, size_t n);

// What a preforked init did before its plan came (prefork_linux.c): as
// global root in its pid namespace, and, when it speculated, rf_enter of
// the default identity (entered; err and what if that failed).
struct rf_early {
	int memfd_noexec; // vm.memfd_noexec is 2
	int proc_fd;      // its proc (rf_make_proc), or -1
	int entered;
	int err;
	const char *what;
};

#define RF_MEMFD_NOEXEC "/proc/sys/vm/memfd_noexec"

// rf_make_proc makes a proc for the caller's pid namespace, detached
// (fsmount, nosuid, nodev, noexec): the fd, or -1 with errno and *what set
// to the failing call.
int rf_make_proc(const char **what);

// rf_init_main is the init: it never returns. The child of rf_spawn (early
// NULL), or of the preforked init once its plan has arrived.
void rf_init_main(struct rf_init_args *a, const struct rf_early *early) __attribute__((noreturn));

// rf_spawn forks the init with clone3(flags | CLONE_PIDFD) and returns its
// pid (-1 with *err set) and a pidfd; the child never returns.
int rf_spawn(struct rf_init_args *a, uint64_t flags, int *pidfd, int *err);


// ---- the preforked init (prefork_linux.c) ---------------------------------

// A preforked init: cloned before the Go runtime starts, it waits for its
// plan in arena, memory shared with the supervisor at the same address.
struct rf_prefork {
	int pid, pidfd;
	int sock;          // the supervisor's end of the handoff socket
	uint64_t flags;    // the namespaces clone3 made
	void *arena;       // MAP_SHARED: the plan goes here
	uint64_t arena_size;
	int speculated;    // it entered spec before its plan came
	struct rf_identity spec;
};

// What rf_prefork_wanted returns, bits: RF_PREFORK, an init preforked;
// RF_PREFORK_SPECULATE, one that also takes the default identity and
// namespaces (as root host ids RF_DEFAULT_HOST_ID, rootless the caller's;
// 0 inside; every namespace) before its plan comes, for a command line
// that asks for no others; RF_PREFORK_PIN, the program (the supervisor)
// runs on the CPU it started on (see rf_restore_affinity).
enum { RF_PREFORK = 1, RF_PREFORK_SPECULATE = 2, RF_PREFORK_PIN = 4 };

// rf_restore_affinity gives the caller back the CPUs the program started
// with, if RF_PREFORK_PIN took them: an init forked from a pinned
// supervisor calls it, so that the sandbox gets every CPU.
void rf_restore_affinity(void);

#define RF_DEFAULT_HOST_ID 65534


// rf_prefork_take hands the preforked init over, once: 1 and *p filled, or
// 0 when there is none (not asked for, taken already, or the clone failed).
int rf_prefork_take(struct rf_prefork *p);

// rf_prefork_wake tells a preforked init that its plan is coming soon, so
// that it is awake when it does: 0, or -1 when there is none to wake.
int rf_prefork_wake(void);

// rf_prefork_release sends the plan, a, in the arena, with fds attached; a's
// fd fields hold indices into fds, which the init turns into its numbers.
// It closes the socket. 0, or -1 with errno.
int rf_prefork_release(int sock, struct rf_init_args *a, const int *fds, int nfds);

#endif
