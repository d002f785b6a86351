package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// runCLI runs the ringfence CLI in-process (its sandboxes' inits are forks
// of this test binary) and returns exit code, stdout, stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb lockedBuffer
	code := executeWith(args, &out, &errb)
	return code, out.String(), errb.String()
}

// lockedBuffer is written by the sandbox's output copiers and the seccomp
// supervisor at once.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func needBinary(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is missing: install it (scripts/setup installs the test dependencies): %v", path, err)
	}
}

// TestLearnRealPrograms is the acceptance of learn mode: programs nobody
// here wrote run successfully under the policy learn wrote for them, and a
// syscall they did not use is denied under it (while it works unsandboxed).
func TestLearnRealPrograms(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	script := filepath.Join(dir, "work.py")
	os.WriteFile(script, []byte("import json, hashlib\nd = {str(i): hashlib.sha256(str(i).encode()).hexdigest() for i in range(200)}\nprint(len(json.dumps(d)))\n"), 0o644)
	csrc := filepath.Join(dir, "hello.c")
	os.WriteFile(csrc, []byte("#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n"), 0o644)

	cases := []struct {
		name   string
		learn  []string // the workload
		want   string   // in its stdout
		denied []string // a different use that needs a syscall the workload never made
		marker string   // what the different use prints when it succeeds
	}{
		{"python3", []string{"/usr/bin/python3", script}, "", []string{"/usr/bin/python3", "-c", "import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); print('made a socket')"}, "made a socket"},
		{"gcc", []string{"/bin/sh", "-c", "/usr/bin/gcc -o /tmp/hello " + csrc + " && echo compiled"}, "compiled", []string{"/bin/sh", "-c", "/usr/bin/gcc -o /tmp/hello " + csrc + " && mkfifo /tmp/fifo && echo made a fifo"}, "made a fifo"},
		{"sqlite3", []string{"/usr/bin/sqlite3", "/tmp/db", "create table t(x); insert into t values (42); select x from t;"}, "42", []string{"/usr/bin/sqlite3", "/tmp/db", ".shell echo SHELL RAN"}, "SHELL RAN"},
		{"curl", []string{"/bin/sh", "-c", curlScript("127.0.0.1")}, "Directory listing", []string{"/bin/sh", "-c", curlScript("[::1]")}, "Directory listing"},
		{"git", []string{"/bin/sh", "-c", "cd /tmp && git init -q r && cd r && echo a > f && git add f && git -c user.name=a -c user.email=a@b commit -qm m && git log --oneline | wc -l"}, "1", []string{"/bin/sh", "-c", "cd /tmp && git init -q r && cd r && echo a > f && git add f && git -c user.name=a -c user.email=a@b commit -qm m && git gc --quiet && echo gc done"}, "gc done"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			needBinary(t, tc.learn[0])
			pol := filepath.Join(t.TempDir(), tc.name+".policy")
			sandbox := []string{"--ro-bind", dir, "--timeout", "60s", "--"}
			code, out, errs := runCLI(t, append(append([]string{"learn", "-o", pol}, sandbox...), tc.learn...)...)
			if code != 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("learn run: exit %d, stdout %q, stderr %s", code, out, errs)
			}
			text, _ := os.ReadFile(pol)
			t.Logf("learned policy:\n%s", text)
			code, out, errs = runCLI(t, append(append([]string{"run", "--policy", pol}, sandbox...), tc.learn...)...)
			if code != 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("run under the learned policy: exit %d, stdout %q, stderr %s", code, out, errs)
			}
			if tc.denied == nil {
				return
			}
			code, out, errs = runCLI(t, append(append([]string{"run", "--policy", "default"}, sandbox...), tc.denied...)...)
			if !strings.Contains(out, tc.marker) {
				t.Fatalf("the wider use fails even in the default sandbox: exit %d\n%s\n%s", code, out, errs)
			}
			code, out, errs = runCLI(t, append(append([]string{"run", "--policy", pol}, sandbox...), tc.denied...)...)
			if strings.Contains(out, tc.marker) || !strings.Contains(errs, "ringfence: denied") {
				t.Fatalf("a use beyond what was learned: exit %d, stdout %q, stderr %s; want a denial report and no %q", code, out, errs, tc.marker)
			}
		})
	}
}

// curlScript serves /tmp over HTTP from inside the sandbox (its network
// namespace has only loopback) and fetches it with curl.
func curlScript(addr string) string {
	bind := "127.0.0.1"
	if addr != "127.0.0.1" {
		bind = "::1"
	}
	return "cd /tmp && /usr/bin/python3 -m http.server 8765 --bind " + bind + " >/dev/null 2>&1 & p=$!; " +
		"for i in 1 2 3 4 5 6 7 8 9 10; do /usr/bin/curl -s http://" + addr + ":8765/ && break; sleep 0.3; done; kill $p"
}
