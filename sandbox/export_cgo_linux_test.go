//go:build cgo

package sandbox

// PreforkTaken says a sandbox of this test binary ran in the preforked init.
func PreforkTaken() bool { return preforkTaken.Load() }
