package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	webapp      = "../../examples/policies/webapp.policy"
	webappTests = "../../examples/policies/webapp.tests"
	dockerJSON  = "../../../shared/testdata/docker-default-seccomp.json"
)

func TestPolicyTestCommand(t *testing.T) {
	code, out, errs := runCLI(t, "test", webapp, webappTests)
	if code != 0 || !strings.Contains(out, "0 failed") {
		t.Fatalf("test: exit %d\n%s%s", code, out, errs)
	}
	// A wrong expectation fails with a diff naming the line and the rule.
	src, _ := os.ReadFile(webappTests)
	bad := filepath.Join(t.TempDir(), "bad.tests")
	os.WriteFile(bad, []byte(strings.Replace(string(src), "socket(AF_INET6, SOCK_STREAM, 0) -> allow", "socket(AF_INET6, SOCK_STREAM, 0) -> errno(EPERM)", 1)), 0o644)
	code, out, _ = runCLI(t, "test", webapp, bad)
	if code != exitFailed || !strings.Contains(out, "FAIL "+bad+":3:") || !strings.Contains(out, "- want errno(EPERM)") || !strings.Contains(out, "+ got  allow (rule at") {
		t.Fatalf("failing test file: exit %d\n%s", code, out)
	}
}

func TestCompileDisasmExplain(t *testing.T) {
	out := filepath.Join(t.TempDir(), "p.bpf")
	if code, _, errs := runCLI(t, "compile", webapp, "-o", out); code != 0 {
		t.Fatalf("compile: %d %s", code, errs)
	}
	raw, _ := os.ReadFile(out)
	if len(raw) == 0 || len(raw)%8 != 0 {
		t.Fatalf("compiled program is %d bytes", len(raw))
	}
	code, listing, _ := runCLI(t, "disasm", out)
	for _, want := range []string{"seccomp_data.arch", "/* x86_64 */", "/* socket */", "return allow", "return errno(EAFNOSUPPORT)", "return kill-process"} {
		if code != 0 || !strings.Contains(listing, want) {
			t.Errorf("disasm lacks %q:\n%s", want, listing)
		}
	}
	code, text, _ := runCLI(t, "explain", webapp, "socket(AF_NETLINK, SOCK_RAW, 0)", "i386:read")
	if code != 0 || !strings.Contains(text, "-> errno(EAFNOSUPPORT)") || !strings.Contains(text, "webapp.policy:") || !strings.Contains(text, "i386:read() -> kill-process") {
		t.Errorf("explain: exit %d\n%s", code, text)
	}
	// OCI/Docker JSON is accepted wherever a policy is.
	if code, _, errs := runCLI(t, "compile", dockerJSON, "-o", out); code != 0 {
		t.Errorf("compile Docker's profile: %d %s", code, errs)
	}
}

func TestBadPolicyErrorIsPositioned(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.policy")
	os.WriteFile(bad, []byte("default errno(EPERM)\nallow opnat\n"), 0o644)
	code, _, errs := runCLI(t, "compile", bad)
	if code != exitUsage || !strings.Contains(errs, bad+":2:7:") || !strings.Contains(errs, `did you mean "openat"?`) || !strings.Contains(errs, "^") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestLintExitCodes(t *testing.T) {
	loose := filepath.Join(t.TempDir(), "loose.policy")
	os.WriteFile(loose, []byte("default allow\n"), 0o644)
	if code, out, _ := runCLI(t, "lint", loose); code != exitFailed || !strings.Contains(out, "allow-by-default") {
		t.Errorf("lint of an allow-by-default policy: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "lint", dockerJSON); code != exitFailed || !strings.Contains(out, "i386 ABI is admitted") {
		t.Errorf("lint of Docker's profile: exit %d\n%s", code, out)
	}
}

// TestExportImportRoundTrip: policy -> OCI JSON -> policy keeps every
// decision (diff finds none), and a changed policy is found to differ. OCI
// has no unknown-syscall action and kills only the thread for foreign
// arches, so the policy states those the OCI way (export warns otherwise).
func TestExportImportRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src, _ := os.ReadFile(webapp)
	ociable := filepath.Join(dir, "webapp.policy")
	os.WriteFile(ociable, []byte(strings.Replace(string(src), "unknown errno(ENOSYS)", "bad-arch kill-thread", 1)), 0o644)
	js := filepath.Join(dir, "webapp.json")
	if code, _, errs := runCLI(t, "export", ociable, "--format", "oci", "-o", js); code != 0 {
		t.Fatalf("export: %d %s", code, errs)
	}
	back := filepath.Join(dir, "back.policy")
	if code, _, errs := runCLI(t, "import", js, "-o", back); code != 0 {
		t.Fatalf("import: %d %s", code, errs)
	}
	if code, out, _ := runCLI(t, "diff", ociable, back); code != 0 || !strings.Contains(out, "decide alike") {
		t.Errorf("round trip changed decisions: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "diff", webapp, "default"); code != exitFailed || !strings.Contains(out, "points differ") {
		t.Errorf("diff of two different policies: exit %d\n%s", code, out)
	}
}

// TestRunDryRun: --dry-run reports each layer and what a real run would do,
// and a control that cannot be applied makes it say the run would refuse.
func TestRunDryRun(t *testing.T) {
	code, out, errs := runCLI(t, "run", "--dry-run", "--", "/bin/true")
	for _, layer := range []string{"namespaces", "landlock", "seccomp", "capabilities", "no_new_privs", "network", "rlimits"} {
		if code != 0 || !strings.Contains(out, layer) {
			t.Errorf("dry run lacks layer %s: exit %d\n%s%s", layer, code, out, errs)
		}
	}
	// A policy that does not admit execve cannot start anything.
	noexec := filepath.Join(t.TempDir(), "noexec.policy")
	os.WriteFile(noexec, []byte("default errno(EPERM)\nallow read, write\n"), 0o644)
	code, _, errs = runCLI(t, "run", "--dry-run", "--policy", noexec, "--", "/bin/true")
	if code != exitFailed || !strings.Contains(errs, "would refuse") || !strings.Contains(errs, "execve") {
		t.Errorf("dry run with a policy denying execve: exit %d\n%s", code, errs)
	}
}

// TestImportOtherFormats: Kafel, minijail and systemd filters are read
// wherever a policy is, told apart by content.
func TestImportOtherFormats(t *testing.T) {
	for _, f := range []string{"../../imports/testdata/shell.kafel", "../../imports/testdata/daemon.policy", "../../imports/testdata/webapp.service"} {
		code, out, errs := runCLI(t, "import", f)
		if code != 0 || !strings.Contains(out, "default ") || !strings.Contains(out, "allow ") {
			t.Errorf("import %s: exit %d\n%s%s", f, code, out, errs)
		}
		if code, _, errs := runCLI(t, "compile", f, "-o", filepath.Join(t.TempDir(), "x.bpf")); code != 0 {
			t.Errorf("compile %s: exit %d %s", f, code, errs)
		}
	}
}

// TestRunReportsSeccompKill: a kill rule ends the program; the report names
// the call and the rule, and the last line says the policy killed it.
func TestRunReportsSeccompKill(t *testing.T) {
	pol := filepath.Join(t.TempDir(), "kill.policy")
	os.WriteFile(pol, []byte("default allow\nkill-process mkdirat, mkdir\n"), 0o644)
	code, _, errs := runCLI(t, "run", "--policy", pol, "--", "/bin/mkdir", "/tmp/x")
	if code != 128+9 || !strings.Contains(errs, "ringfence: killed mkdir") || !strings.Contains(errs, "kill-process by rule "+pol+":2:") ||
		!strings.Contains(errs, "ringfence: killed by the seccomp policy") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}
