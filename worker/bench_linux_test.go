package worker_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/ringfence/ringfence/policy"
	"github.com/ringfence/ringfence/sandbox"
	"github.com/ringfence/ringfence/seccomp"
	"github.com/ringfence/ringfence/worker"
)

// The worker benchmarks: one request = one PNG header parsed.
//
//	in-process      the same parser ported to Go (parsePNG below), called
//	                directly: the cost of the parsing itself
//	worker          one pipe-isolated worker, sequential Calls: framing, two
//	                pipe round trips, two context switches
//	pool-2          two workers, parallel callers (b.RunParallel)
//	sandbox-per-req Start + Call + Close for every request: a new sandbox,
//	                root copy and filter each time
//	sandbox-per-req-warm  a new sandbox per request (sandbox.Command with
//	                the request on stdin), sharing one root and one
//	                compiled filter (no notify): the floor of that design
//
// Each reports p50 and p99 latency besides ns/op. Results: BENCHMARKS.md,
// section Worker.

// parsePNG is pngworker.c's parse_png in Go, reply for reply.
func parsePNG(p []byte) string {
	sig := []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}
	if len(p) < 8+8+13+4 {
		return "error: too short for a PNG header"
	}
	if !bytes.Equal(p[:8], sig) {
		return "error: not a PNG signature"
	}
	c := p[8:]
	if binary.BigEndian.Uint32(c) != 13 || string(c[4:8]) != "IHDR" {
		return "error: first chunk is not a 13-byte IHDR"
	}
	if crc32.ChecksumIEEE(c[4:4+4+13]) != binary.BigEndian.Uint32(c[8+13:]) {
		return "error: IHDR CRC mismatch"
	}
	d := c[8:]
	w, h := binary.BigEndian.Uint32(d), binary.BigEndian.Uint32(d[4:])
	depth, colour := d[8], d[9]
	if w == 0 || h == 0 || w > 0x7fffffff || h > 0x7fffffff {
		return "error: bad dimensions"
	}
	ok := false
	switch colour {
	case 0:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16
	case 3:
		ok = depth == 1 || depth == 2 || depth == 4 || depth == 8
	case 2, 4, 6:
		ok = depth == 8 || depth == 16
	}
	if !ok {
		return "error: bad bit depth / colour type"
	}
	return fmt.Sprintf("ok width=%d height=%d depth=%d colour=%d", w, h, depth, colour)
}

// TestPortedParserAgrees: the in-process baseline gives the worker's
// replies.
func TestPortedParserAgrees(t *testing.T) {
	w := start(t, worker.Config{})
	good := pngBytes(t, 33, 44)
	bad := bytes.Clone(good)
	bad[20] ^= 1
	for _, req := range [][]byte{good, bad, []byte("short"), append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40)...)} {
		if got, want := call(t, w, req), parsePNG(req); got != want {
			t.Errorf("request %q: worker %q, Go port %q", req[:min(len(req), 12)], got, want)
		}
	}
}

type latencies []time.Duration

func (l latencies) report(b *testing.B) {
	if len(l) == 0 {
		return
	}
	slices.Sort(l)
	b.ReportMetric(float64(l[len(l)/2].Nanoseconds())/1e3, "p50-µs")
	b.ReportMetric(float64(l[len(l)*99/100].Nanoseconds())/1e3, "p99-µs")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkInProcess(b *testing.B) {
	req := pngBytes(b, 640, 480)
	lat := make(latencies, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if r := parsePNG(req); r[0] != 'o' {
			b.Fatal(r)
		}
		lat = append(lat, time.Since(t0))
	}
	lat.report(b)
}

func BenchmarkWorker(b *testing.B) {
	w, err := worker.Start(worker.Config{Binary: pngWorker})
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	req := pngBytes(b, 640, 480)
	ctx := context.Background()
	lat := make(latencies, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		if _, err := w.Call(ctx, req); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	lat.report(b)
}

func BenchmarkPool2Parallel(b *testing.B) {
	pl, err := worker.NewPool(worker.Config{Binary: pngWorker}, 2)
	if err != nil {
		b.Fatal(err)
	}
	defer pl.Close()
	req := pngBytes(b, 640, 480)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := pl.Call(context.Background(), req); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkSandboxPerRequest(b *testing.B) {
	req := pngBytes(b, 640, 480)
	lat := make(latencies, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		w, err := worker.Start(worker.Config{Binary: pngWorker})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := w.Call(context.Background(), req); err != nil {
			b.Fatal(err)
		}
		w.Close()
		lat = append(lat, time.Since(t0))
	}
	lat.report(b)
}

func BenchmarkSandboxPerRequestWarm(b *testing.B) {
	root, err := sandbox.NewPipeRoot(pngWorker)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	p, err := policy.Builtin(worker.PolicyName)
	if err != nil {
		b.Fatal(err)
	}
	prog, err := seccomp.Compile(p, seccomp.Options{})
	if err != nil {
		b.Fatal(err)
	}
	req := pngBytes(b, 640, 480)
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(req)))
	frame = append(frame, req...)
	lat := make(latencies, 0, b.N)
	for b.Loop() {
		t0 := time.Now()
		c := sandbox.Command(root.Path())
		c.Config = sandbox.PipeIsolation(root)
		c.Config.Filter = prog.Bytes()
		var out bytes.Buffer
		c.Stdin, c.Stdout = bytes.NewReader(frame), &out
		c.Log = slog.New(slog.DiscardHandler)
		if err := c.Run(); err != nil {
			b.Fatal(err)
		}
		if out.Len() < 5 || out.Bytes()[4] != 'o' {
			b.Fatalf("reply %q", out.Bytes())
		}
		lat = append(lat, time.Since(t0))
	}
	lat.report(b)
}
