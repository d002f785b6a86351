// Command runbench starts one program in a ringfence sandbox through the
// library, the way `ringfence run` does but with no CLI around it, so the
// benchmark (run.sh) can measure the runner alone.
//
//	runbench -filter FILE [-timings] [-rss] -- CMD [ARGS]
//
// FILE is a raw seccomp program (mkfilter writes the built-in default
// policy compiled). runbench links only package sandbox: like the CLI should,
// it hands over bytes compiled once, and its init stage starts no more Go
// packages than the runner needs.
//
// Its sandbox's init is preforked (prefork_linux.go), as the CLI's is;
// -no-prefork measures the runner forking it from Go instead.
//
// -timings prints the cost of each start-up stage (measured in the init)
// and the supervisor's own; -rss prints the supervisor's peak RSS (VmHWM).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/ringfence/ringfence/sandbox"
)

func main() {
	t0 := time.Now()
	filterFile := flag.String("filter", "", "raw seccomp filter `file`")
	timings := flag.Bool("timings", false, "print stage costs to stderr")
	flag.Bool("no-prefork", false, "fork the init from Go, not before it started (read by prefork_linux.go)")
	rss := flag.Bool("rss", false, "print the supervisor's peak RSS to stderr")
	keepDumpable := flag.Bool("keep-dumpable", false, "leave CMD dumpable (no ptrace stop at its entry point)")
	notify := flag.Bool("notify", false, "install the filter with a user-notification listener, as ringfence run does to report denials")
	flag.Parse()
	filter, err := os.ReadFile(*filterFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "runbench: -filter:", err)
		os.Exit(2)
	}
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: runbench [-filter FILE] -- CMD [ARGS]")
		os.Exit(2)
	}
	c := sandbox.Command(flag.Arg(0), flag.Args()[1:]...)
	c.Config.Filter = filter
	c.Config.Notify = *notify
	c.Config.KeepDumpable = *keepDumpable
	c.Stdin, c.Stdout, c.Stderr = os.Stdin, os.Stdout, os.Stderr
	c.Timings = *timings
	t1 := time.Now()
	err = c.Start()
	t2 := time.Now()
	if err == nil {
		err = c.Wait()
	}
	t3 := time.Now()
	if *timings {
		var parts []string
		parts = append(parts, fmt.Sprintf("process-start=%v", t1.Sub(t0)))
		for _, s := range c.StageTimings {
			parts = append(parts, fmt.Sprintf("%s=%v", s.Stage, s.Duration))
		}
		parts = append(parts, fmt.Sprintf("start=%v wait=%v", t2.Sub(t1), t3.Sub(t2)))
		fmt.Fprintln(os.Stderr, "timings:", strings.Join(parts, " "))
	}
	if *rss {
		var self, kids syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &self)
		syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
		cpu := func(r syscall.Rusage) time.Duration {
			return time.Duration(r.Utime.Nano() + r.Stime.Nano())
		}
		fmt.Fprintf(os.Stderr, "supervisor CPU %v, init+CMD CPU %v\n", cpu(self), cpu(kids))
		b, _ := os.ReadFile("/proc/self/status")
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "VmHWM:") || strings.HasPrefix(l, "RssAnon:") || strings.HasPrefix(l, "RssFile:") {
				fmt.Fprintln(os.Stderr, "supervisor", l)
			}
		}
	}
	if err != nil {
		if ee, ok := err.(*sandbox.ExitError); ok {
			os.Exit(ee.Code)
		}
		fmt.Fprintln(os.Stderr, "runbench:", err)
		os.Exit(125)
	}
}
