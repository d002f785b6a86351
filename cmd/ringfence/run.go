package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/ringfence/ringfence/audit"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/prebuilt"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/seccomp"
)

func init() {
	subcommands["run"] = newRunCmd
}

// runFlags are the flags of `run` (and `learn`): one schema for the flags and
// the config file, whose keys are the flag names.
type runFlags struct {
	policy, rootfs, chdir, net, hostname, seccompMode string
	roBinds, binds, tmpfs, env, keepEnv, require      []string
	uid, gid, pids                                    int
	memory, fsize                                     string
	cpus                                              float64
	cpuTime, nofile                                   uint64
	timeout                                           time.Duration
	mlock, tty, noLandlock, dryRun, asJSON, complain  bool
	keepDumpable                                      bool
	keepFDs                                           []int
	logFile, config                                   string
	isolation                                         string
}

func (f *runFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.policy, "policy", "default", "seccomp policy: a ringfence policy file, an OCI/Docker JSON profile or a built-in name")
	fl.StringArrayVar(&f.roBinds, "ro-bind", nil, "bind a host path read-only: SRC[:DST]")
	fl.StringArrayVar(&f.binds, "bind", nil, "bind a host path writable: SRC[:DST] (Landlock allows writes there)")
	fl.StringArrayVar(&f.tmpfs, "tmpfs", nil, "mount an empty tmpfs: DST[:SIZE] (SIZE like 64M)")
	fl.StringVar(&f.rootfs, "rootfs", "", "use DIR (an OCI bundle's rootfs, say) as / instead of the host root")
	fl.StringVar(&f.chdir, "chdir", "", "working directory inside the sandbox")
	fl.StringVar(&f.net, "net", "none", "network: none (a new namespace with only loopback) or host")
	fl.StringVar(&f.hostname, "hostname", "", "hostname inside (default ringfence)")
	fl.IntVar(&f.uid, "uid", 0, "user id inside the sandbox")
	fl.IntVar(&f.gid, "gid", 0, "group id inside the sandbox")
	fl.StringArrayVar(&f.env, "env", nil, "set an environment variable: K=V")
	fl.StringArrayVar(&f.keepEnv, "keep-env", nil, "pass the caller's variable K through")
	fl.StringVar(&f.memory, "memory", "", "memory limit (cgroup), like 256M or 1G")
	fl.IntVar(&f.pids, "pids", 0, "process and thread limit (cgroup)")
	fl.Float64Var(&f.cpus, "cpus", 0, "CPU limit in cores (cgroup), like 0.5")
	fl.Uint64Var(&f.cpuTime, "cpu-time", 0, "CPU seconds before the program is killed (RLIMIT_CPU)")
	fl.DurationVar(&f.timeout, "timeout", 0, "wall-clock time before the whole sandbox is killed, like 30s")
	fl.Uint64Var(&f.nofile, "nofile", 0, "open file limit (RLIMIT_NOFILE)")
	fl.StringVar(&f.fsize, "fsize", "", "largest file the program may write (RLIMIT_FSIZE), like 10M")
	fl.BoolVar(&f.mlock, "mlock", false, "lock the program's memory (mlockall, made at its entry point): it never swaps; the processes it starts are not locked")
	fl.BoolVar(&f.keepDumpable, "keep-dumpable", false, "leave the program dumpable (its own uid inside may ptrace it or read /proc/PID/mem; saves a ptrace stop at start)")
	fl.IntSliceVar(&f.keepFDs, "keep-fd", nil, "pass the caller's fd N to the program")
	fl.BoolVar(&f.tty, "tty", false, "give the program a pty proxied by ringfence")
	fl.BoolVar(&f.noLandlock, "no-landlock", false, "apply no Landlock rules (a loosening: logged)")
	fl.StringArrayVar(&f.require, "require", nil, "refuse to start unless this layer is enforced: landlock")
	fl.StringVar(&f.seccompMode, "seccomp", "on", "on, or off (a loosening: logged)")
	fl.BoolVar(&f.dryRun, "dry-run", false, "report what would be enforced, layer by layer, and exit")
	fl.BoolVar(&f.asJSON, "json", false, "with --dry-run: print JSON")
	fl.BoolVar(&f.complain, "complain", false, "allow what the policy would deny, and report each pattern once")
	fl.StringVar(&f.logFile, "log", "", "also write violation events to FILE as JSON lines")
	fl.StringVar(&f.isolation, "isolation", "none", "isolation profile: none, or pipe (a static binary that talks only to stdin/stdout: empty root, pipe-worker policy)")
	fl.StringVar(&f.config, "config", "", "read settings from a YAML file whose keys are these flags' names; flags win")
}

func newRunCmd() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [flags] -- CMD [ARGS...]",
		Short: "Run a program in a sandbox, secure with no flags at all",
		Long: `Run contains CMD: new user, mount, pid, net, ipc, uts and cgroup namespaces;
the host root read-only, a private /tmp, a fresh /proc, a minimal /dev,
/root and /home hidden; every capability dropped, no_new_privs, not dumpable;
Landlock matching that view; the seccomp policy (built-in "default" unless
--policy says otherwise); rlimits and, when asked, cgroup limits.

Each denied syscall is reported on stderr with the rule that denied it and
the policy line that would allow it. CMD's exit status is passed through
(128+N for signal N); when the sandbox itself ended CMD it says so.`,
		Example: `  ringfence run -- /bin/sh -c 'id; ls /'
  ringfence run --bind ./out --memory 256M --pids 64 --timeout 30s -- make
  ringfence run --policy app.policy --complain -- ./app
  ringfence run --dry-run --json -- true`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.run(cmd, args)
		},
	}
	cmd.Flags().SetInterspersed(false)
	f.register(cmd)
	return cmd
}

// applyConfigFile sets every flag the command line left unset from --config.
func (f *runFlags) applyConfigFile(cmd *cobra.Command) error {
	if f.config == "" {
		return nil
	}
	data, err := os.ReadFile(f.config)
	if err != nil {
		return err
	}
	var settings map[string]any
	if err := yaml.Unmarshal(data, &settings); err != nil {
		return fmt.Errorf("%s: %w", f.config, err)
	}
	for key, val := range settings {
		fl := cmd.Flags().Lookup(key)
		if fl == nil || key == "config" {
			return fmt.Errorf("%s: unknown setting %q (settings are the flags of ringfence run)", f.config, key)
		}
		if fl.Changed {
			continue
		}
		values := []any{val}
		if list, ok := val.([]any); ok {
			values = list
		}
		for _, v := range values {
			if err := cmd.Flags().Set(key, fmt.Sprint(v)); err != nil {
				return fmt.Errorf("%s: %s: %w", f.config, key, err)
			}
		}
	}
	return nil
}

// sandboxConfig turns the flags into the library's Config.
func (f *runFlags) sandboxConfig(cmd *cobra.Command) (sandbox.Config, error) {
	var c sandbox.Config
	var err error
	for _, spec := range f.roBinds {
		c.Mounts = append(c.Mounts, bindMount(sandbox.MountROBind, spec))
	}
	for _, spec := range f.binds {
		c.Mounts = append(c.Mounts, bindMount(sandbox.MountBind, spec))
	}
	for _, spec := range f.tmpfs {
		dst, size, _ := strings.Cut(spec, ":")
		m := sandbox.Mount{Kind: sandbox.MountTmpfs, Dest: dst}
		if size != "" {
			if m.Size, err = parseBytes(size); err != nil {
				return c, fmt.Errorf("--tmpfs %s: %w", spec, err)
			}
		}
		c.Mounts = append(c.Mounts, m)
	}
	c.RootFS, c.Chdir, c.Hostname = f.rootfs, f.chdir, f.hostname
	if err := c.Net.UnmarshalText([]byte(f.net)); err != nil {
		return c, fmt.Errorf("--net: %w", err)
	}
	c.UID, c.GID = f.uid, f.gid
	c.KeepEnv = f.keepEnv
	if f.memory != "" {
		if c.Limits.MemoryBytes, err = parseBytes(f.memory); err != nil {
			return c, fmt.Errorf("--memory: %w", err)
		}
	}
	c.Limits.Pids, c.Limits.CPUs = int64(f.pids), f.cpus
	c.Rlimits.CPUTime, c.Rlimits.Nofile = f.cpuTime, f.nofile
	if f.fsize != "" {
		n, err := parseBytes(f.fsize)
		if err != nil {
			return c, fmt.Errorf("--fsize: %w", err)
		}
		c.Rlimits.Fsize = uint64(n)
	}
	c.Timeout, c.Mlock, c.KeepFDs, c.TTY = f.timeout, f.mlock, f.keepFDs, f.tty
	c.KeepDumpable = f.keepDumpable
	if f.noLandlock {
		c.Landlock = sandbox.LandlockOff
	}
	for _, r := range f.require {
		switch r {
		case "landlock":
			if f.noLandlock {
				return c, errors.New("--require landlock contradicts --no-landlock")
			}
			c.Landlock = sandbox.LandlockRequired
		default:
			return c, fmt.Errorf("--require %s: unknown layer (known: landlock)", r)
		}
	}
	switch f.seccompMode {
	case "on":
	case "off":
		c.SeccompOff = true
	default:
		return c, fmt.Errorf("--seccomp=%s: use on or off", f.seccompMode)
	}
	return c, nil
}

func bindMount(kind sandbox.MountKind, spec string) sandbox.Mount {
	src, dst, _ := strings.Cut(spec, ":")
	return sandbox.Mount{Kind: kind, Source: src, Dest: dst}
}

// parseBytes reads 1048576, 512K, 64M, 1G (binary units).
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	t := strings.ToUpper(strings.TrimSuffix(strings.TrimSuffix(s, "B"), "i"))
	switch {
	case strings.HasSuffix(t, "K"):
		mult, t = 1<<10, strings.TrimSuffix(t, "K")
	case strings.HasSuffix(t, "M"):
		mult, t = 1<<20, strings.TrimSuffix(t, "M")
	case strings.HasSuffix(t, "G"):
		mult, t = 1<<30, strings.TrimSuffix(t, "G")
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a size (examples: 1048576, 512K, 64M, 1G)", s)
	}
	return n * mult, nil
}

// prepare turns the flags (and --config) into the sandbox's Config, with
// the --isolation profile applied; cleanup removes what the profile made.
func (f *runFlags) prepare(cmd *cobra.Command, args []string) (sandbox.Config, []string, func(), error) {
	nothing := func() {}
	if err := f.applyConfigFile(cmd); err != nil {
		return sandbox.Config{}, args, nothing, withCode(exitUsage, err)
	}
	cfg, err := f.sandboxConfig(cmd)
	if err != nil {
		return cfg, args, nothing, withCode(exitUsage, err)
	}
	cfg, args, cleanup, err := f.applyIsolation(cmd, cfg, args)
	if err != nil {
		return cfg, args, nothing, withCode(exitUsage, err)
	}
	return cfg, args, cleanup, nil
}

func (f *runFlags) run(cmd *cobra.Command, args []string) error {
	cfg, args, cleanup, err := f.prepare(cmd, args)
	if err != nil {
		return err
	}
	defer cleanup()
	mode := audit.Enforce
	if f.complain {
		mode = audit.Complain
	}
	sv := &audit.Supervisor{Mode: mode}
	if !cfg.SeccompOff {
		form, notify := reportingForm(f.complain)
		if cfg.Filter, sv.LoadPolicy, err = f.seccompFilter(cmd, form); err != nil {
			return err
		}
		cfg.Notify = notify
		if !notify {
			warnNoNotify(cmd, f.complain)
		}
	}
	if f.dryRun {
		return dryRun(cmd, cfg, f.asJSON)
	}
	return runSandboxed(cmd, cfg, f.env, args, sv, f.logFile, nil)
}

// seccompFilter returns the filter of --policy in the given form, and how
// the supervisor gets the policy itself. A built-in policy comes
// precompiled (package prebuilt) and is parsed only if the supervisor has a
// denial to explain; any other policy is loaded and compiled here.
func (f *runFlags) seccompFilter(cmd *cobra.Command, form prebuilt.Form) ([]byte, func() (*seccomp.Policy, error), error) {
	if noFileNamed(f.policy) {
		if filter, ok := prebuilt.Filter(f.policy, form); ok {
			name := f.policy
			return filter, func() (*seccomp.Policy, error) { return policy.Builtin(name) }, nil
		}
	}
	p, err := loadPolicy(cmd, f.policy)
	if err != nil {
		return nil, nil, err
	}
	prog, err := seccomp.Compile(form.Of(p), seccomp.Options{})
	if err != nil {
		return nil, nil, withCode(exitUsage, fmt.Errorf("%s: %w", f.policy, err))
	}
	return prog.Bytes(), func() (*seccomp.Policy, error) { return p, nil }, nil
}

// reportingForm is the form of the policy the kernel enforces, and whether
// it notifies. With user notification every denial goes to the supervisor,
// which decides it again on the policy, answers, and prints why. Without it
// the plain policy is enforced (kills show only as SIGSYS), and complain
// mode falls back to the kernel's log action.
func reportingForm(complain bool) (prebuilt.Form, bool) {
	switch {
	case audit.NotifyAvailable():
		return prebuilt.Reporting, true
	case complain:
		return prebuilt.Logging, false
	}
	return prebuilt.Plain, false
}

// warnNoNotify says what a kernel without user notification costs the run.
func warnNoNotify(cmd *cobra.Command, complain bool) {
	if complain {
		fmt.Fprintln(cmd.ErrOrStderr(), "ringfence: warning: this kernel lacks SECCOMP_RET_USER_NOTIF: complain mode logs would-be denials to the kernel log (dmesg, auditd) instead of here")
		return
	}
	fmt.Fprintln(cmd.ErrOrStderr(), "ringfence: warning: this kernel lacks SECCOMP_RET_USER_NOTIF: denials are enforced but not reported one by one (a seccomp kill shows as SIGSYS)")
}

// runSandboxed starts args in the sandbox, serves its seccomp notifications
// with sv (its policy and mode), waits, and turns the outcome into an exit
// code. record, when set, sees every event (learn mode).
func runSandboxed(cmd *cobra.Command, cfg sandbox.Config, env, args []string, sv *audit.Supervisor, logFile string, record func(audit.Event)) error {
	c := sandbox.Command(args[0], args[1:]...)
	c.Config = cfg
	c.Env = env // --env K=V, over the allowlisted caller variables
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, cmd.OutOrStdout(), cmd.ErrOrStderr()
	c.Log = slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	report, closeLog, err := eventSink(cmd.ErrOrStderr(), logFile, sv.Mode, record)
	if err != nil {
		return withCode(exitUsage, err)
	}
	defer closeLog()
	if err := c.Start(); err != nil {
		return withCode(exitSetupFail, err)
	}
	served := make(chan error, 1)
	stop := make(chan struct{})
	sv.Report = report
	if c.NotifyFD != nil {
		go func() { served <- sv.Serve(int(c.NotifyFD.Fd()), stop) }()
	} else {
		served <- nil
	}
	forwardSignals(c)
	waitErr := c.Wait()
	close(stop)
	if err := <-served; err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "ringfence: seccomp supervisor: %v\n", err)
	}
	if c.NotifyFD != nil {
		c.NotifyFD.Close()
	}
	var ee *sandbox.ExitError
	if errors.As(waitErr, &ee) {
		switch {
		case ee.Reason != sandbox.ReasonNone:
			fmt.Fprintf(cmd.ErrOrStderr(), "ringfence: %v\n", ee)
		case ee.Signal == syscall.SIGKILL && sv.Kills() > 0:
			// The supervisor ends a process whose call the policy kills
			// (SIGKILL, after reporting the call above).
			fmt.Fprintln(cmd.ErrOrStderr(), "ringfence: killed by the seccomp policy (the call is reported above)")
		}
		return withCode(ee.Code, errors.New(""))
	}
	if waitErr != nil {
		return withCode(exitSetupFail, waitErr)
	}
	return nil
}

// eventSink prints events on stderr and, with --log, as JSON lines.
func eventSink(stderr io.Writer, logFile string, mode audit.Mode, record func(audit.Event)) (func(audit.Event), func(), error) {
	var enc *json.Encoder
	closeLog := func() {}
	if logFile != "" {
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("--log: %w", err)
		}
		enc, closeLog = json.NewEncoder(f), func() { f.Close() }
	}
	return func(ev audit.Event) {
		if record != nil {
			record(ev)
		}
		if mode != audit.Learn {
			fmt.Fprintln(stderr, ev)
		}
		if enc != nil {
			_ = enc.Encode(ev)
		}
	}, closeLog, nil
}

// forwardSignals passes the caller's termination signals to the sandbox.
func forwardSignals(c *sandbox.Cmd) {
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	go func() {
		for s := range ch {
			_ = c.Signal(s)
		}
	}()
}

// dryRun prints, layer by layer, what was requested and what this kernel
// and privilege level will enforce; exit code 1 when a real run would refuse.
func dryRun(cmd *cobra.Command, cfg sandbox.Config, asJSON bool) error {
	r := sandbox.Probe(&cfg)
	w := cmd.OutOrStdout()
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		who := "root"
		if r.Rootless {
			who = "rootless"
		}
		fmt.Fprintf(w, "kernel %s, %s\n", r.Kernel, who)
		for _, l := range r.Layers {
			mark := "ok  "
			if !l.OK {
				mark = "MISS"
			}
			fmt.Fprintf(w, "%s %-11s requested: %s\n     %-11s enforced:  %s\n", mark, l.Name, l.Requested, "", l.Enforced)
			if l.Detail != "" {
				fmt.Fprintf(w, "     %-11s %s\n", "", l.Detail)
			}
		}
	}
	if r.Refusal != "" {
		return withCode(exitFailed, fmt.Errorf("a real run would refuse to start: %s", r.Refusal))
	}
	return nil
}
