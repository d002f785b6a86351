//go:build cgo

package main

import (
	"testing"

	"github.com/ringfence/ringfence/sandbox"
)

func TestPreforkWanted(t *testing.T) {
	const all = sandbox.PreforkInit | sandbox.PreforkSpeculate | sandbox.PreforkPin
	const noGuess = sandbox.PreforkInit | sandbox.PreforkPin
	for _, tc := range []struct {
		argv []string
		want int
	}{
		{[]string{"ringfence", "run", "--", "/bin/true"}, all},
		{[]string{"ringfence", "run", "--memory", "64M", "/bin/true"}, all},
		{[]string{"ringfence", "learn", "-o", "p.policy", "--", "make"}, all},
		{[]string{"ringfence", "run", "--net", "host", "--", "curl"}, noGuess},
		{[]string{"ringfence", "run", "--net=host", "--", "curl"}, noGuess},
		{[]string{"ringfence", "run", "--uid", "1000", "--", "id"}, noGuess},
		{[]string{"ringfence", "run", "--gid=5", "--", "id"}, noGuess},
		{[]string{"ringfence", "run", "--config", "sandbox.yaml", "--", "id"}, noGuess},
		{[]string{"ringfence", "run", "--isolation", "pipe", "--", "./w"}, noGuess},
		{[]string{"ringfence", "run", "--", "sh", "-c", "x --net"}, all},
		{[]string{"ringfence", "policy", "show", "default"}, 0},
		{[]string{"ringfence"}, 0},
		{nil, 0},
	} {
		if got := preforkWanted(tc.argv); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.argv, got, tc.want)
		}
	}
}
