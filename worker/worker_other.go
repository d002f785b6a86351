//go:build !linux

package worker

import (
	"context"
	"errors"
)

var errNotLinux = errors.New("worker: pipe workers run only on Linux")

// Worker is one worker program; see the Linux build.
type Worker struct{}

// Start is not available on this OS.
func Start(cfg Config) (*Worker, error) { return nil, errNotLinux }

// Call is not available on this OS.
func (w *Worker) Call(ctx context.Context, request []byte) ([]byte, error) { return nil, errNotLinux }

// Restarts is 0 on this OS.
func (w *Worker) Restarts() int { return 0 }

// Pid is 0 on this OS.
func (w *Worker) Pid() int { return 0 }

// Close does nothing on this OS.
func (w *Worker) Close() error { return nil }

// Pool is a set of workers; see the Linux build.
type Pool struct{}

// NewPool is not available on this OS.
func NewPool(cfg Config, n int) (*Pool, error) { return nil, errNotLinux }

// Call is not available on this OS.
func (pl *Pool) Call(ctx context.Context, request []byte) ([]byte, error) { return nil, errNotLinux }

// Close does nothing on this OS.
func (pl *Pool) Close() error { return nil }

// StatusField is not available on this OS.
func StatusField(pid int, name string) (string, error) { return "", errNotLinux }
