package sandbox

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

var update = flag.Bool("update", false, "rewrite the golden plans in testdata/")

// TestPlanGolden: the file system plan for the default view and for one
// with every kind of user mount, as root and rootless, against golden
// files (go test -update rewrites them). The plan is the part of the
// runner worth reading: these files are what the C init will do, in order.
func TestPlanGolden(t *testing.T) {
	cfg := Config{Mounts: []Mount{
		{Kind: MountROBind, Source: "/opt/tool", Dest: "/tool"},
		{Kind: MountBind, Source: "/srv/out"},
		{Kind: MountTmpfs, Dest: "/tmp/scratch", Size: 1 << 20},
		{Kind: MountTmpfs, Dest: "/work/job/cache"},
	}}
	for _, tc := range []struct {
		name string
		cfg  Config
		root bool
	}{
		{"default-root", Config{}, true},
		{"default-rootless", Config{}, false},
		{"mounts-root", cfg, true},
		{"pipe-isolation", Config{RootFS: "/var/lib/worker-root", NoDefaultMounts: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cwd := "/work/job"
			if tc.cfg.RootFS != "" {
				cwd = "/"
			}
			sources := []string{"/", ""}
			if tc.cfg.RootFS != "" {
				sources[0] = tc.cfg.RootFS
			}
			if bindCwd(cwd) && !tc.cfg.NoDefaultMounts {
				sources[slotCwd] = cwd
			}
			for _, m := range tc.cfg.Mounts {
				sources = append(sources, m.Source)
			}
			got := formatPlan(plan(&layout{cfg: &tc.cfg, cwd: cwd, sources: sources, initClones: !tc.root}))
			golden := filepath.Join("testdata", "plan-"+tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("plan differs from %s (go test -update rewrites it):\n%s", golden, got)
			}
		})
	}
}

// formatPlan is one line per operation.
func formatPlan(ops []fsOp) string {
	kinds := map[opKind]string{opPrivate: "private", opOpenTree: "open_tree", opAttach: "attach", opMount: "mount",
		opBind: "bind", opMkdir: "mkdir", opSymlink: "symlink", opSetAttr: "setattr", opPivot: "pivot", opProc: "proc"}
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "%-9s %s", kinds[op.kind], op.path)
		if op.kind == opOpenTree || op.kind == opAttach {
			fmt.Fprintf(&b, " slot=%d", op.slot)
		}
		if op.source != "" {
			fmt.Fprintf(&b, " source=%s", op.source)
		}
		if op.fstype != "" {
			fmt.Fprintf(&b, " type=%s", op.fstype)
		}
		if op.data != "" {
			fmt.Fprintf(&b, " data=%s", op.data)
		}
		if op.flags != 0 {
			fmt.Fprintf(&b, " flags=%s", msFlags(op.flags))
		}
		if op.attr != 0 {
			fmt.Fprintf(&b, " attr=%s", attrFlags(op.attr))
		}
		if op.optional {
			b.WriteString(" optional")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func msFlags(f uintptr) string {
	return names(uint64(f), []flagName{{unix.MS_NOSUID, "nosuid"}, {unix.MS_NODEV, "nodev"}, {unix.MS_NOEXEC, "noexec"}, {unix.MS_RDONLY, "ro"}})
}

func attrFlags(a uint64) string {
	return names(a, []flagName{{unix.MOUNT_ATTR_RDONLY, "ro"}, {unix.MOUNT_ATTR_NOSUID, "nosuid"}, {unix.MOUNT_ATTR_NODEV, "nodev"}, {unix.MOUNT_ATTR_NOEXEC, "noexec"}})
}

type flagName struct {
	bit  uint64
	name string
}

func names(v uint64, known []flagName) string {
	var out []string
	for _, k := range known {
		if v&k.bit != 0 {
			out = append(out, k.name)
			v &^= k.bit
		}
	}
	if v != 0 {
		out = append(out, fmt.Sprintf("%#x", v))
	}
	return strings.Join(out, "|")
}
