//go:build cgo

package main

import "testing"

func TestPreforkWanted(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		want int // 0 none, 1 preforked, 2 speculating on the default ids and namespaces
	}{
		{[]string{"ringfence", "run", "--", "/bin/true"}, 2},
		{[]string{"ringfence", "run", "--memory", "64M", "/bin/true"}, 2},
		{[]string{"ringfence", "learn", "-o", "p.policy", "--", "make"}, 2},
		{[]string{"ringfence", "run", "--net", "host", "--", "curl"}, 1},
		{[]string{"ringfence", "run", "--net=host", "--", "curl"}, 1},
		{[]string{"ringfence", "run", "--uid", "1000", "--", "id"}, 1},
		{[]string{"ringfence", "run", "--gid=5", "--", "id"}, 1},
		{[]string{"ringfence", "run", "--config", "sandbox.yaml", "--", "id"}, 1},
		{[]string{"ringfence", "run", "--isolation", "pipe", "--", "./w"}, 1},
		{[]string{"ringfence", "run", "--", "sh", "-c", "x --net"}, 2},
		{[]string{"ringfence", "policy", "show", "default"}, 0},
		{[]string{"ringfence"}, 0},
		{nil, 0},
	} {
		if got := preforkWanted(tc.argv); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.argv, got, tc.want)
		}
	}
}
