package imports

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/ringfence/ringfence/syscalls"
)

func TestSystemdConstructs(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		calls     []call
	}{
		{"allowlist kills the rest and implies @default", "SystemCallFilter=read write\n", []call{
			{"read", nil, "allow"}, {"write", nil, "allow"}, {"exit_group", nil, "allow"}, {"openat", nil, "kill-process"},
		}},
		{"denylist allows the rest", "SystemCallFilter=~mount reboot\n", []call{
			{"mount", nil, "kill-process"}, {"reboot", nil, "kill-process"}, {"read", nil, "allow"},
		}},
		{"error number", "SystemCallFilter=~mount\nSystemCallErrorNumber=EACCES\n", []call{{"mount", nil, "errno(EACCES)"}}},
		{"numeric error number", "SystemCallErrorNumber=13\nSystemCallFilter=~mount\n", []call{{"mount", nil, "errno(EACCES)"}}},
		{"error number kill and log", "SystemCallFilter=~mount\nSystemCallErrorNumber=log\n", []call{{"mount", nil, "log"}}},
		{"per-entry errno", "SystemCallFilter=~mount:EACCES reboot\nSystemCallErrorNumber=EPERM\n", []call{
			{"mount", nil, "errno(EACCES)"}, {"reboot", nil, "errno(EPERM)"},
		}},
		{"groups", "SystemCallFilter=@basic-io\n", []call{{"pread64", nil, "allow"}, {"socket", nil, "kill-process"}}},
		{"later ~ removes from an allowlist", "SystemCallFilter=@basic-io @network-io\nSystemCallFilter=~write socket\n", []call{
			{"read", nil, "allow"}, {"write", nil, "kill-process"}, {"socket", nil, "kill-process"}, {"connect", nil, "allow"},
		}},
		{"later allow removes from a denylist", "SystemCallFilter=~@mount\nSystemCallFilter=mount\n", []call{
			{"mount", nil, "allow"}, {"umount2", nil, "kill-process"},
		}},
		{"empty assignment resets", "SystemCallFilter=read\nSystemCallFilter=\nSystemCallFilter=~write\n", []call{
			{"read", nil, "allow"}, {"openat", nil, "allow"}, {"write", nil, "kill-process"},
		}},
		{"log", "SystemCallLog=uname\n", []call{{"uname", nil, "log"}, {"read", nil, "allow"}}},
		{"unit file syntax", "[Service]\n# comment\n; comment\nExecStart=/bin/true\n  SystemCallFilter = ~ mount \\\n  reboot\n", []call{
			{"mount", nil, "kill-process"}, {"reboot", nil, "kill-process"}, {"read", nil, "allow"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := Systemd("test.service", []byte(tc.src))
			if err != nil {
				t.Fatal(err)
			}
			checkCalls(t, p, tc.calls)
			roundTrip(t, p, 2000)
		})
	}
}

func TestSystemdArchitectures(t *testing.T) {
	p, _, err := Systemd("a", []byte("SystemCallFilter=~mount\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := append([]syscalls.Arch{syscalls.Native}, syscalls.Native.CompanionArches()...)
	if !reflect.DeepEqual(p.Arches, want) {
		t.Errorf("default arches %v, want %v", p.Arches, want)
	}
	p, warns, err := Systemd("a", []byte("SystemCallArchitectures=native x86 s390x\nSystemCallFilter=~mount\n"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []syscalls.Arch{syscalls.Native, syscalls.ArchI386}; !reflect.DeepEqual(p.Arches, want) {
		t.Errorf("arches %v, want %v", p.Arches, want)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), "a:1:36: warning: architecture \"s390x\"") {
		t.Errorf("warnings %v", warns)
	}
	// x32 is not admitted: the bad-arch action (kill-process) applies.
	d := data(t, syscalls.ArchX32, "read", nil)
	if got := p.Decide(d).Action.String(); got != "kill-process" {
		t.Errorf("x32 read: %s", got)
	}
	d = data(t, syscalls.ArchI386, "mount", nil)
	if got := p.Decide(d).Action.String(); got != "kill-process" {
		t.Errorf("i386 mount: %s", got)
	}
}

func TestSystemdWarningsAndErrors(t *testing.T) {
	_, warns, err := Systemd("u", []byte("SystemCallFilter=~frobnicate mount\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 1 || !strings.Contains(warns[0].String(), `u:1:19: warning: unknown syscall "frobnicate"`) {
		t.Errorf("warnings %v", warns)
	}
	_, warns, _ = Systemd("u", []byte("ExecStart=/bin/true\n"))
	if len(warns) != 1 || !strings.Contains(warns[0].Msg, "no SystemCallFilter=") {
		t.Errorf("warnings %v", warns)
	}
	for _, tc := range []struct{ src, want string }{
		{"SystemCallFilter=@nonsense", `u:1:18: unknown syscall group @nonsense`},
		{"SystemCallFilter=read ~write", `u:1:23: '~' inverts a whole SystemCallFilter= line`},
		{"SystemCallErrorNumber=EFROB", `u:1:23: invalid errno "EFROB"`},
		{"SystemCallErrorNumber=5000", `u:1:23: invalid errno "5000"`},
		{"SystemCallErrorNumber=EPERM EACCES", `u:1:29: SystemCallErrorNumber= takes one value`},
		{"SystemCallFilter=~mount:EFROB", `u:1:25: invalid errno "EFROB"`},
		{"[Service]\nthis is not a key", `u:2:1: expected KEY=VALUE`},
	} {
		_, _, err := Systemd("u", []byte(tc.src))
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.src, tc.want)
			continue
		}
		positioned(t, err)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

func TestSystemdSample(t *testing.T) {
	src, err := os.ReadFile("testdata/webapp.service")
	if err != nil {
		t.Fatal(err)
	}
	p, warns, err := Systemd("testdata/webapp.service", src)
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if !reflect.DeepEqual(p.Arches, []syscalls.Arch{syscalls.Native}) {
		t.Errorf("arches %v", p.Arches)
	}
	checkCalls(t, p, []call{
		{"read", nil, "allow"},
		{"openat", nil, "allow"},
		{"accept4", nil, "allow"},
		{"connect", nil, "log"},
		{"setrlimit", nil, "errno(EPERM)"}, // @resources
		{"chroot", nil, "errno(EPERM)"},    // @privileged
		{"mincore", nil, "errno(EPERM)"},
		{"personality", nil, "errno(EPERM)"},
		{"mount", nil, "errno(EPERM)"}, // not in @system-service
		{"reboot", nil, "errno(EPERM)"},
		{"exit_group", nil, "allow"},
	})
	roundTrip(t, p, 20000)
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}`, FormatOCI},
		{"POLICY a { ALLOW { read } }\nUSE a DEFAULT KILL", FormatKafel},
		{"#define X 1\nALLOW { read }", FormatKafel},
		{"ERRNO(1) {\n  read\n}\n", FormatKafel},
		{"// nsjail\nALLOW { read, write }", FormatKafel},
		{"[Service]\nSystemCallFilter=@system-service\n", FormatSystemd},
		{"# minijail\nread: 1\nwrite: arg0 == 1\n@include ./x.policy\n", FormatMinijail},
		{"{ read, write }: 1\n", FormatMinijail},
		{"policy \"x\"\ndefault errno(EPERM)\nallow read, write\nallow openat if flags:u32 == 0\n", FormatRingfence},
		{"", FormatRingfence},
	} {
		if got := Detect("f", []byte(tc.src)); got != tc.want {
			t.Errorf("Detect(%q) = %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, f := range []struct{ path, want string }{
		{"testdata/shell.kafel", FormatKafel}, {"testdata/daemon.policy", FormatMinijail},
		{"testdata/daemon-base.policy", FormatMinijail}, {"testdata/webapp.service", FormatSystemd},
		{"../policy/builtin/default.policy", FormatRingfence},
	} {
		src, err := os.ReadFile(f.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := Detect(f.path, src); got != f.want {
			t.Errorf("Detect(%s) = %s, want %s", f.path, got, f.want)
		}
	}
}
