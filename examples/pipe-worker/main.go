// Command pipe-worker shows package worker: it parses PNG headers in a
// pipe-isolated C worker (pngworker/pngworker.c), and with -evil also sends
// the requests that make the worker behave like an exploited parser, to
// show each one killed, reported by name, and the worker restarted.
//
//	make            # builds pngworker (gcc -static) and this program
//	sudo ./pipe-worker -evil image.png ...
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/ringfence/ringfence/worker"
)

func main() {
	bin := flag.String("worker", "./pngworker/pngworker", "the worker binary (static)")
	strict := flag.Bool("strict", false, "run the worker without a filter, in SECCOMP_MODE_STRICT (it enters it itself)")
	evil := flag.Bool("evil", false, "also send malicious requests (open, socket, fork, crash)")
	flag.Parse()

	args := []string{"--ready"}
	if *strict {
		args = append(args, "--strict")
	}
	w, err := worker.Start(worker.Config{Binary: *bin, Args: args, Ready: true, Strict: *strict, Stderr: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, "pipe-worker:", err)
		os.Exit(1)
	}
	defer w.Close()

	var requests [][]byte
	var names []string
	for _, path := range flag.Args() {
		b, err := os.ReadFile(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, "pipe-worker:", err)
			os.Exit(1)
		}
		requests, names = append(requests, b), append(names, path)
	}
	if *evil {
		for _, op := range []string{"o", "s", "f", "c"} {
			requests, names = append(requests, []byte("EVIL"+op)), append(names, "EVIL"+op)
		}
	}
	status := 0
	for i, req := range requests {
		reply, err := w.Call(context.Background(), req)
		var we *worker.Error
		switch {
		case errors.As(err, &we):
			fmt.Printf("%s: %v (worker restarted)\n", names[i], err)
		case err != nil:
			fmt.Printf("%s: %v\n", names[i], err)
			status = 1
		default:
			fmt.Printf("%s: %s\n", names[i], reply)
		}
	}
	fmt.Printf("restarts: %d\n", w.Restarts())
	os.Exit(status)
}
