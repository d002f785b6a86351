package sandbox

import (
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ptyProxy is the supervisor's side of --tty: the master of a pty that the
// init made in the sandbox's own devpts, whose slave is CMD's stdin,
// stdout, stderr and controlling terminal (the gate makes it so with
// TIOCSCTTY in CMD's new session). The supervisor copies between the
// master and the caller's stdio. CMD never holds an fd of the caller's
// terminal, so TIOCSTI and friends can only reach its own pty, and its
// terminal has a name inside (/dev/pts/0).
type ptyProxy struct {
	master  *os.File
	outDone chan struct{}
	restore func()
	winch   chan os.Signal
	once    sync.Once
}

func newPtyProxy(master *os.File) *ptyProxy {
	return &ptyProxy{master: master, outDone: make(chan struct{})}
}

// callerWinsize is the size of the caller's terminal (0, 0 when stdin is
// not one): the pty's first size, set before CMD starts.
func callerWinsize(stdin io.Reader) (rows, cols uint16) {
	if f, ok := stdin.(*os.File); ok {
		if ws, err := unix.IoctlGetWinsize(int(f.Fd()), unix.TIOCGWINSZ); err == nil {
			return ws.Row, ws.Col
		}
	}
	return 0, 0
}

// start copies between the caller's stdio and the master. When stdin is a
// terminal it is put in raw mode (restored by stop) and its window size
// follows SIGWINCH.
func (p *ptyProxy) start(stdin io.Reader, stdout io.Writer) {
	if f, ok := stdin.(*os.File); ok {
		fd := int(f.Fd())
		if old, err := unix.IoctlGetTermios(fd, unix.TCGETS); err == nil {
			raw := *old
			raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
			raw.Oflag &^= unix.OPOST
			raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
			raw.Cflag &^= unix.CSIZE | unix.PARENB
			raw.Cflag |= unix.CS8
			raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
			unix.IoctlSetTermios(fd, unix.TCSETS, &raw)
			p.restore = func() { unix.IoctlSetTermios(fd, unix.TCSETS, old) }
			p.resize(fd)
			p.winch = make(chan os.Signal, 1)
			signal.Notify(p.winch, syscall.SIGWINCH)
			go func() {
				for range p.winch {
					p.resize(fd)
				}
			}()
		}
	}
	if stdin != nil {
		go io.Copy(p.master, stdin)
	}
	go func() {
		if stdout != nil {
			io.Copy(stdout, p.master) // ends with EIO once every slave fd is closed
		} else {
			io.Copy(io.Discard, p.master)
		}
		close(p.outDone)
	}()
}

func (p *ptyProxy) resize(fd int) {
	if ws, err := unix.IoctlGetWinsize(fd, unix.TIOCGWINSZ); err == nil {
		unix.IoctlSetWinsize(int(p.master.Fd()), unix.TIOCSWINSZ, ws)
	}
}

// stop waits for the output to drain (the sandbox is gone, so the slave is
// closed everywhere) and restores the caller's terminal.
func (p *ptyProxy) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		<-p.outDone
		if p.winch != nil {
			signal.Stop(p.winch)
			close(p.winch)
		}
		if p.restore != nil {
			p.restore()
		}
		p.master.Close()
	})
}
