package main

import "github.com/ringfence/ringfence/sandbox"

// The sandbox's init stage is this same binary, re-executed: sandbox.Init
// takes over (and never returns) when the process is that stage.
func init() { sandbox.Init() }
