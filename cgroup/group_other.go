//go:build !linux

package cgroup

import "errors"

// Control groups exist only on Linux; elsewhere nothing is writable and no
// group is ever created, so these are never reached with real work.

func accessWritable(string) bool { return false }

func kernelAtLeast(int, int) bool { return false }

func processAlive(int) bool { return false }

func isBusy(error) bool { return false }

func killListed([]int, func() ([]int, error)) error {
	return errors.New("cgroup: killing processes is implemented on Linux only")
}

var errBusy = errors.New("device or resource busy")
