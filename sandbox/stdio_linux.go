package sandbox

import (
	"io"
	"os"
	"sync"
)

// childStdio is what the init gets as fds 0, 1 and 2, the way os/exec
// does it: an *os.File is passed as is, nil is /dev/null, and any other
// reader or writer gets a pipe and a goroutine that copies.
type childStdio struct {
	fds             [3]int
	closeAfterStart []*os.File // the child's ends
	closeAfterWait  []*os.File // ours
	copies          []func()
	wg              sync.WaitGroup
}

func openStdio(stdin io.Reader, stdout, stderr io.Writer) (*childStdio, error) {
	s := &childStdio{}
	var err error
	if s.fds[0], err = s.input(stdin); err != nil {
		s.closeAll()
		return nil, err
	}
	if s.fds[1], err = s.output(stdout); err != nil {
		s.closeAll()
		return nil, err
	}
	if stderr != nil && any(stderr) == any(stdout) {
		s.fds[2] = s.fds[1] // one pipe, so the two keep their order
	} else if s.fds[2], err = s.output(stderr); err != nil {
		s.closeAll()
		return nil, err
	}
	return s, nil
}

func (s *childStdio) input(r io.Reader) (int, error) {
	switch r := r.(type) {
	case nil:
		return s.devNull(os.O_RDONLY)
	case *os.File:
		return int(r.Fd()), nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return -1, err
	}
	s.closeAfterStart = append(s.closeAfterStart, pr)
	s.closeAfterWait = append(s.closeAfterWait, pw)
	// Not waited for: CMD may exit without reading all of it.
	s.copies = append(s.copies, func() {
		io.Copy(pw, r)
		pw.Close()
	})
	return int(pr.Fd()), nil
}

func (s *childStdio) output(w io.Writer) (int, error) {
	switch w := w.(type) {
	case nil:
		return s.devNull(os.O_WRONLY)
	case *os.File:
		return int(w.Fd()), nil
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		return -1, err
	}
	s.closeAfterStart = append(s.closeAfterStart, pw)
	s.closeAfterWait = append(s.closeAfterWait, pr)
	s.wg.Add(1)
	s.copies = append(s.copies, func() {
		defer s.wg.Done()
		io.Copy(w, pr)
	})
	return int(pw.Fd()), nil
}

func (s *childStdio) devNull(flag int) (int, error) {
	f, err := os.OpenFile(os.DevNull, flag, 0)
	if err != nil {
		return -1, err
	}
	s.closeAfterStart = append(s.closeAfterStart, f)
	return int(f.Fd()), nil
}

// started closes the child's ends and starts the copies.
func (s *childStdio) started() {
	for _, f := range s.closeAfterStart {
		f.Close()
	}
	s.closeAfterStart = nil
	for _, c := range s.copies {
		go c()
	}
}

// wait waits for the output copies (the sandbox is gone, so every write
// end is closed) and closes our ends.
func (s *childStdio) wait() {
	s.wg.Wait()
	for _, f := range s.closeAfterWait {
		f.Close()
	}
	s.closeAfterWait = nil
}

// closeAll is for a start that failed before the copies ran.
func (s *childStdio) closeAll() {
	for _, f := range append(s.closeAfterStart, s.closeAfterWait...) {
		f.Close()
	}
	s.closeAfterStart, s.closeAfterWait, s.copies = nil, nil, nil
}
