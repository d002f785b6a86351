package syscalls

// The tables are regenerated from the pinned Debian headers with:
//
//	syscalls/gen/fetch.sh && go generate ./syscalls

//go:generate go run ./gen
