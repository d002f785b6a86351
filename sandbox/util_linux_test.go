package sandbox_test

import (
	"io"
	"log/slog"
	"unsafe"

	"github.com/ringfence/ringfence/cgroup"
)

func unsafePtr(p *byte) unsafe.Pointer { return unsafe.Pointer(p) }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func cgroupLimits(mem int64) cgroup.Limits { return cgroup.Limits{MemoryBytes: mem} }
