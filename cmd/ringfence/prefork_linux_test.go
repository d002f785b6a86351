//go:build cgo

package main

import "testing"

func TestPreforkWanted(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want int // RF_PREFORK bits: 1 preforked, 2 speculating on the default ids and namespaces, 4 pinned
	}{
		{[]string{"ringfence", "run", "--", "/bin/true"}, 7},
		{[]string{"ringfence", "run", "--memory", "64M", "/bin/true"}, 7},
		{[]string{"ringfence", "learn", "-o", "p.policy", "--", "make"}, 7},
		{[]string{"ringfence", "run", "--net", "host", "--", "curl"}, 5},
		{[]string{"ringfence", "run", "--net=host", "--", "curl"}, 5},
		{[]string{"ringfence", "run", "--uid", "1000", "--", "id"}, 5},
		{[]string{"ringfence", "run", "--gid=5", "--", "id"}, 5},
		{[]string{"ringfence", "run", "--config", "sandbox.yaml", "--", "id"}, 5},
		{[]string{"ringfence", "run", "--isolation", "pipe", "--", "./w"}, 5},
		{[]string{"ringfence", "run", "--", "sh", "-c", "x --net"}, 7},
		{[]string{"ringfence", "policy", "show", "default"}, 0},
		{[]string{"ringfence"}, 0},
		{nil, 0},
	} {
		if got := preforkWanted(tc.argv); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.argv, got, tc.want)
		}
	}
}
