package worker_test

import (
	"bytes"
	"encoding/binary"
	"log/slog"
	"sort"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/audit"
	"github.com/ringfence/ringfence/bpf"
	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/syscalls"
	"github.com/ringfence/ringfence/worker"
)

// TestStartupSyscallsAdmitted runs the example worker in learn mode (every
// syscall notified and let through, as `ringfence learn` does) under pipe
// isolation, with one request, and checks that the pipe-worker policy admits
// every call it made, arguments included: the start-up list in the policy
// is complete for this libc.
func TestStartupSyscallsAdmitted(t *testing.T) {
	root, err := sandbox.NewPipeRoot(pngWorker)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	pipe, err := policy.Builtin(worker.PolicyName)
	if err != nil {
		t.Fatal(err)
	}
	native := &seccomp.Policy{Default: seccomp.Errno(1)}
	every := audit.Everything(native)
	// execve is the gate's last call, before anyone can answer.
	every.Rules = append(every.Rules, seccomp.Rule{Syscall: "execve", Action: seccomp.Allow})
	prog, err := seccomp.Compile(every, seccomp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	req := pngBytes(t, 10, 10)
	c := sandbox.Command(root.Path(), "--strict", "--ready")
	c.Config = sandbox.PipeIsolation(root)
	c.Config.Filter, c.Config.Notify = prog.Bytes(), true
	c.Log = slog.New(slog.DiscardHandler)
	c.Stdin = bytes.NewReader(append(binary.BigEndian.AppendUint32(nil, uint32(len(req))), req...))
	var out bytes.Buffer
	c.Stdout = &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	var events []audit.Event
	stop, served := make(chan struct{}), make(chan error, 1)
	sv := &audit.Supervisor{Policy: native, Mode: audit.Learn, Report: func(ev audit.Event) { events = append(events, ev) }}
	go func() { served <- sv.Serve(int(c.NotifyFD.Fd()), stop) }()
	waitErr := c.Wait()
	close(stop)
	if err := <-served; err != nil {
		t.Fatal(err)
	}
	c.NotifyFD.Close()
	if waitErr != nil {
		t.Fatalf("worker in learn mode: %v", waitErr)
	}
	if !bytes.Contains(out.Bytes(), []byte("ok width=10 height=10")) {
		t.Fatalf("no reply: %q", out.Bytes())
	}
	seen := map[string]bool{}
	for _, ev := range events {
		seen[ev.Syscall] = true
		d := pipe.Decide(bpf.SeccompData{Nr: ev.Nr, Arch: syscalls.Native.AuditArch(), Args: ev.Args})
		if d.Action != seccomp.Allow {
			t.Errorf("the pipe-worker policy would %v %s(%s), which the worker made", d.Action, ev.Syscall, strings.Join(ev.Decoded, ", "))
		}
	}
	var names []string
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	t.Logf("syscalls the worker made after execve: %s", strings.Join(names, " "))
	if len(names) < 5 || !seen["read"] || !seen["write"] {
		t.Errorf("learn mode saw too little: %v", names)
	}
}
