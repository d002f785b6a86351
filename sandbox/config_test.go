package sandbox

import (
	"slices"
	"strings"
	"testing"
)

func TestBuildEnv(t *testing.T) {
	caller := []string{"PATH=/bin", "HOME=/h", "TERM=xterm", "LANG=C", "LC_ALL=C", "SECRET=1", "AWS_KEY=x", "KEEP=k", "LCX=no"}
	got := buildEnv(caller, []string{"EXTRA=e", "HOME=/override"}, []string{"KEEP"})
	want := []string{"EXTRA=e", "HOME=/override", "KEEP=k", "LANG=C", "LC_ALL=C", "PATH=/bin", "TERM=xterm"}
	if !slices.Equal(got, want) {
		t.Errorf("buildEnv = %v, want %v", got, want)
	}
	if got := buildEnv(nil, nil, nil); !slices.Equal(got, []string{"PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"}) {
		t.Errorf("empty environment: %v, want a default PATH only", got)
	}
}

func TestValidate(t *testing.T) {
	filter := make([]byte, 8)
	for _, tc := range []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"default with filter", Config{Filter: filter}, ""},
		{"seccomp off", Config{SeccompOff: true}, ""},
		{"no filter", Config{}, "no seccomp filter"},
		{"both", Config{Filter: filter, SeccompOff: true}, "choose one"},
		{"notify without filter", Config{SeccompOff: true, Notify: true}, "notify listener needs a seccomp filter"},
		{"ragged filter", Config{Filter: make([]byte, 7)}, "multiple of 8"},
		{"huge filter", Config{Filter: make([]byte, 8*4097)}, "at most 4096"},
		{"relative chdir", Config{Filter: filter, Chdir: "x"}, "absolute"},
		{"tmpfs with source", Config{Filter: filter, Mounts: []Mount{{Kind: MountTmpfs, Source: "/x", Dest: "/y"}}}, "no source"},
		{"bind without source", Config{Filter: filter, Mounts: []Mount{{Kind: MountBind, Dest: "/y"}}}, "no source"},
		{"relative dest", Config{Filter: filter, Mounts: []Mount{{Kind: MountTmpfs, Dest: "y"}}}, "absolute"},
		{"mount over root", Config{Filter: filter, Mounts: []Mount{{Kind: MountTmpfs, Dest: "/"}}}, "cannot mount over /"},
		{"bad kind", Config{Filter: filter, Mounts: []Mount{{Dest: "/y"}}}, "unknown kind"},
		{"keep fd 1", Config{Filter: filter, KeepFDs: []int{1}}, "from 3 up"},
		{"hostname slash", Config{Filter: filter, Hostname: "a/b"}, "hostname"},
		{"negative uid", Config{Filter: filter, UID: -1}, "negative"},
		{"mlock", Config{Filter: filter, Mlock: true}, ""},
	} {
		err := tc.cfg.validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

func TestEnumText(t *testing.T) {
	for _, k := range []MountKind{MountROBind, MountBind, MountTmpfs} {
		b, _ := k.MarshalText()
		var back MountKind
		if err := back.UnmarshalText(b); err != nil || back != k {
			t.Errorf("MountKind %v round trip: %v %v", k, back, err)
		}
	}
	for _, m := range []LandlockMode{LandlockBestEffort, LandlockRequired, LandlockOff} {
		b, _ := m.MarshalText()
		var back LandlockMode
		if err := back.UnmarshalText(b); err != nil || back != m {
			t.Errorf("LandlockMode %v round trip: %v %v", m, back, err)
		}
	}
	var n NetMode
	if err := n.UnmarshalText([]byte("host")); err != nil || n != NetHost {
		t.Errorf("NetMode host: %v %v", n, err)
	}
	if err := n.UnmarshalText([]byte("bridge")); err == nil {
		t.Error("NetMode bridge accepted")
	}
}

func TestHoldsAny(t *testing.T) {
	w := []string{"/tmp", "/home/u/proj"}
	for _, tc := range []struct {
		dir  string
		want bool
	}{{"/home", true}, {"/home/u", true}, {"/home/u/proj", false}, {"/tmp", false}, {"/ho", false}, {"/usr", false}} {
		if got := holdsAny(tc.dir, w); got != tc.want {
			t.Errorf("holdsAny(%q) = %v, want %v", tc.dir, got, tc.want)
		}
	}
}
