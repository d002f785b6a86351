//go:build cgo

package main

// runbench starts its one sandbox right away: its init is preforked before
// the Go runtime starts, as the CLI's is (package sandbox, prefork_linux.c),
// takes the default ids and namespaces while Go starts, and pins the
// supervisor to its CPU,
// unless -no-prefork comes before "--".

/*
#include <string.h>

int rf_prefork_wanted(int argc, char **argv) {
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "-no-prefork") == 0) return 0;
	return 1 | 2 | 4; // sandbox.PreforkInit | PreforkSpeculate | PreforkPin, as the CLI
}
*/
import "C"
