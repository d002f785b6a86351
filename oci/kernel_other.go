//go:build !linux

package oci

import "errors"

// runningKernel has no kernel to ask off Linux.
func runningKernel() (string, error) {
	return "", errors.New("not running on Linux")
}
