package sandbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPipeRoot(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "static.c")
	bin := filepath.Join(dir, "static")
	if err := os.WriteFile(src, []byte("int main(void){return 0;}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("gcc", "-static", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -static (needs gcc and libc6-dev): %v\n%s", err, b)
	}
	r, err := NewPipeRoot(bin)
	if err != nil {
		t.Fatal(err)
	}
	if r.Path() != "/static" {
		t.Errorf("Path() = %q", r.Path())
	}
	entries, err := os.ReadDir(r.Dir())
	if err != nil || len(entries) != 1 || entries[0].Name() != "static" {
		t.Errorf("root holds %v (%v), want only the binary", entries, err)
	}
	if fi, err := os.Stat(filepath.Join(r.Dir(), "static")); err != nil || fi.Mode().Perm() != 0o111 {
		t.Errorf("binary mode %v (%v), want 0111 (execute-only: never dumpable)", fi.Mode(), err)
	}
	if fi, err := os.Stat(r.Dir()); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("root mode %v (%v), want 0755", fi.Mode(), err)
	}
	cfg := PipeIsolation(r)
	cfg.Filter = make([]byte, 8)
	if err := cfg.validate(); err != nil {
		t.Errorf("PipeIsolation config: %v", err)
	}
	if !cfg.NoDefaultMounts || cfg.RootFS != r.Dir() || cfg.Rlimits.Nproc != 1 || cfg.Rlimits.AS != PipeMemory || cfg.Net != NetNone {
		t.Errorf("PipeIsolation = %+v", cfg)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(r.Dir()); !os.IsNotExist(err) {
		t.Errorf("root still there after Close: %v", err)
	}

	obj := filepath.Join(dir, "static.o")
	if b, err := exec.Command("gcc", "-c", "-o", obj, src).CombinedOutput(); err != nil {
		t.Fatalf("gcc -c: %v\n%s", err, b)
	}
	for _, bad := range []struct{ path, want string }{
		{"/bin/true", "dynamically linked"},
		{obj, "not an executable (ELF type 1)"},
		{src, "not an ELF"},
		{filepath.Join(dir, "missing"), "not an ELF"},
	} {
		if _, err := NewPipeRoot(bad.path); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("NewPipeRoot(%s) = %v, want an error with %q", bad.path, err, bad.want)
		}
	}
}

func TestNoDefaultMountsNeedsRootFS(t *testing.T) {
	c := Config{SeccompOff: true, NoDefaultMounts: true}
	if err := c.validate(); err == nil || !strings.Contains(err.Error(), "RootFS") {
		t.Errorf("validate = %v, want a refusal naming RootFS", err)
	}
}

// FuzzReadELF: the ELF header reader never panics, whatever the file holds.
func FuzzReadELF(f *testing.F) {
	for _, p := range []string{"/bin/true", "/bin/busybox"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), 4096)])
		}
	}
	f.Add([]byte("\x7fELF\x02\x01\x01"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "elf")
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		readELF(p)
	})
}
