// Command ringfence-init is the init stage of ringfence sandboxes as a
// small executable of its own: `ringfence run` uses it when it stands beside
// the ringfence executable, because starting it costs less than
// re-executing the whole CLI once per sandbox. It does nothing when run by
// hand.
package main

import (
	"fmt"
	"os"

	"github.com/ringfence/ringfence/sandbox"
)

func main() {
	sandbox.Init()
	fmt.Fprintln(os.Stderr, "ringfence-init: the init stage of ringfence sandboxes, started by ringfence run; it does nothing by hand")
	os.Exit(2)
}
