package oci

import "golang.org/x/sys/unix"

// runningKernel is the release of the running kernel (uname -r).
func runningKernel() (string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", err
	}
	return unix.ByteSliceToString(u.Release[:]), nil
}
