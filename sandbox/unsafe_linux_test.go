package sandbox_test

import (
	"io"
	"log/slog"
	"unsafe"
)

func unsafePtr(p *byte) unsafe.Pointer { return unsafe.Pointer(p) }

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
