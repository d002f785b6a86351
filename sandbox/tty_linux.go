package sandbox

import (
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// ptyProxy is the supervisor's side of --tty: a new pty whose slave is
// CMD's stdin, stdout, stderr and controlling terminal (the gate makes it
// so with TIOCSCTTY in CMD's new session), and whose master the supervisor
// copies to and from the caller's stdio. CMD never holds an fd of the
// caller's terminal, so TIOCSTI and friends can only reach its own pty.
type ptyProxy struct {
	master, slave *os.File
	outDone       chan struct{}
	restore       func()
	winch         chan os.Signal
	once          sync.Once
}

func openPty() (*ptyProxy, error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &StageError{Stage: "tty", Op: "open", Path: "/dev/ptmx", Errno: errnoOf(err)}
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil {
		unix.Close(m)
		return nil, &StageError{Stage: "tty", Op: "unlockpt", Errno: errnoOf(err)}
	}
	s, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(m), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if e != 0 {
		unix.Close(m)
		return nil, &StageError{Stage: "tty", Op: "TIOCGPTPEER", Errno: e}
	}
	return &ptyProxy{master: os.NewFile(uintptr(m), "pty-master"), slave: os.NewFile(s, "pty-slave"), outDone: make(chan struct{})}, nil
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
		p.slave.Close()
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
