package imports

import (
	"os"
	"testing"

	"github.com/ringfence/ringfence/seccomp"
)

// fuzzImport checks the importer contract on arbitrary input: no panic;
// an error is a positioned *policy.Error; a policy compiles and its
// compiled filter agrees with Decide on the calls the rules name.
func fuzzImport(f *testing.F, seeds []string, files []string, imp func(string, []byte) (*seccomp.Policy, []Warning, error)) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	for _, path := range files {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		p, warns, err := imp("fuzz", src)
		for _, w := range warns {
			if w.Pos.Line < 1 {
				t.Fatalf("warning without a position: %v", w)
			}
		}
		if err != nil {
			positioned(t, err)
			return
		}
		if _, err := seccomp.Compile(p, seccomp.Options{}); err != nil {
			t.Fatalf("imported policy does not compile: %v\n%s", err, src)
		}
	})
}

func FuzzKafel(f *testing.F) {
	fuzzImport(f, []string{
		`POLICY a { ALLOW { read, write(fd) { fd == 1 || fd & 3 != 0, !(fd < 2) } } } USE a DEFAULT ERRNO(1)`,
		`#define X 0x10
ERRNO(13) { openat(d, p, f) { (f & X) == X && 1 == 1 } } ALLOW { SYSCALL[0] ON x86_64 } DEFAULT KILL_PROCESS`,
		`/* c */ TRAP(3) { kill } LOG { uname } // x`,
	}, []string{"testdata/shell.kafel"}, Kafel)
}

func FuzzMinijail(f *testing.F) {
	fuzzImport(f, []string{
		"read: 1\nwrite: arg0 == 1 || arg0 == 2 && arg1 in ~(0x3|O_CLOEXEC); return EPERM\n@default trap\n",
		"{ mmap, mprotect }: arg2 & PROT_EXEC; return 13\nptrace: kill\nfcntl: arg1 == F_GETFL \\\n || arg1 == -1\n",
		"read[arch=x86_64,aarch64]: log\n0: allow\n",
	}, []string{"testdata/daemon.policy", "testdata/daemon-base.policy"}, Minijail)
}

func FuzzSystemd(f *testing.F) {
	fuzzImport(f, []string{
		"[Service]\nSystemCallFilter=@system-service\nSystemCallFilter=~@privileged @resources\nSystemCallErrorNumber=EPERM\n",
		"SystemCallFilter=~mount:EACCES \\\n reboot\nSystemCallArchitectures=native x32\nSystemCallLog=@basic-io\n",
		"SystemCallFilter=\nSystemCallErrorNumber=kill\n",
	}, []string{"testdata/webapp.service"}, Systemd)
}
