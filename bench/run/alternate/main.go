// Command alternate times commands round-robin: one run of each in turn,
// N rounds, so that a machine that gets slower or faster during the
// benchmark (other jobs, a CPU's frequency) moves every command alike.
// hyperfine runs each command's runs in one block, and on a shared VM the
// blocks drift by more than the differences we look for. It prints, per
// command, the median, the 10th and 90th percentiles and the minimum of
// the wall-clock time from fork to exit, in milliseconds, and the median
// ratio to the first command.
//
//	alternate [-n ROUNDS] [-w WARMUP] -- 'CMD1 ARGS' 'CMD2 ARGS' ...
//
// Commands are split on spaces (no shell); stdout and stderr go to
// /dev/null, and a command that fails stops the benchmark.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	rounds := flag.Int("n", 100, "rounds")
	warm := flag.Int("w", 5, "warm-up rounds, not counted")
	flag.Parse()
	cmds := flag.Args()
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "usage: alternate [-n ROUNDS] [-w WARMUP] -- 'CMD ARGS' ...")
		os.Exit(2)
	}
	times := make([][]time.Duration, len(cmds))
	for r := 0; r < *warm+*rounds; r++ {
		for i, c := range cmds {
			d, err := runOnce(c)
			if err != nil {
				fmt.Fprintf(os.Stderr, "alternate: %s: %v\n", c, err)
				os.Exit(1)
			}
			if r >= *warm {
				times[i] = append(times[i], d)
			}
		}
	}
	base := median(times[0])
	fmt.Printf("| command | median ms | p10 ms | p90 ms | min ms | median ratio to the first |\n|---|---|---|---|---|---|\n")
	for i, c := range cmds {
		t := times[i]
		slices.Sort(t)
		fmt.Printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f |\n", c, ms(median(t)), ms(pct(t, 10)), ms(pct(t, 90)), ms(t[0]), float64(median(t))/float64(base))
	}
}

func runOnce(c string) (time.Duration, error) {
	f := strings.Fields(c)
	cmd := exec.Command(f[0], f[1:]...)
	t0 := time.Now()
	err := cmd.Run()
	return time.Since(t0), err
}

func median(t []time.Duration) time.Duration {
	s := slices.Clone(t)
	slices.Sort(s)
	return s[len(s)/2]
}

func pct(sorted []time.Duration, p int) time.Duration { return sorted[len(sorted)*p/100] }

func ms(d time.Duration) float64 { return float64(d) / 1e6 }
