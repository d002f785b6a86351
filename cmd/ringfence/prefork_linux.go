//go:build cgo

package main

// The sandbox's init is forked before the Go runtime starts for the
// commands that start a sandbox (package sandbox, prefork_linux.c): it
// makes its namespaces while this program starts, and it is a copy of a
// process that has run nothing but libc's start, not of the supervisor.
// When no flag before "--" can change the sandbox's ids or namespaces, it
// also takes the default ones early; the sandbox package checks the plan
// against them and forks an init of its own if this guess was wrong. The
// supervisor (this program) stays on the CPU it started on: its work is
// light, and the sandbox keeps every CPU.

/*
#include <stdlib.h>
#include <string.h>

// sandbox.PreforkInit, PreforkSpeculate, PreforkPin (TestPreforkWanted checks).
enum { RF_PREFORK = 1, RF_PREFORK_SPECULATE = 2, RF_PREFORK_PIN = 4 };

int rf_prefork_wanted(int argc, char **argv) {
	static const char *const changes_ids[] = {"--net", "--uid", "--gid", "--config", "--isolation"};
	if (argc < 2 || (strcmp(argv[1], "run") != 0 && strcmp(argv[1], "learn") != 0)) return 0;
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
		for (size_t k = 0; k < sizeof changes_ids / sizeof changes_ids[0]; k++)
			if (strncmp(argv[i], changes_ids[k], strlen(changes_ids[k])) == 0) return RF_PREFORK | RF_PREFORK_PIN;
	return RF_PREFORK | RF_PREFORK_SPECULATE | RF_PREFORK_PIN;
}
*/
import "C"

import "unsafe"

// preforkWanted is rf_prefork_wanted for a Go argv (its test).
func preforkWanted(argv []string) int {
	cargv := make([]*C.char, len(argv))
	for i, a := range argv {
		cargv[i] = C.CString(a)
		defer C.free(unsafe.Pointer(cargv[i]))
	}
	if len(cargv) == 0 {
		return int(C.rf_prefork_wanted(0, nil))
	}
	return int(C.rf_prefork_wanted(C.int(len(argv)), &cargv[0]))
}
