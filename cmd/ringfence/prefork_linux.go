//go:build cgo

package main

// The sandbox's init is forked before the Go runtime starts for the
// commands that start a sandbox (package sandbox, prefork_linux.c): it
// makes its namespaces while this program starts, and it is a copy of a
// process that has run nothing but libc's start, not of the supervisor.

/*
#include <string.h>

int rf_prefork_wanted(int argc, char **argv) {
	return argc > 1 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "learn") == 0);
}
*/
import "C"
