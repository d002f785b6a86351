package syscalls

import "testing"

func TestNearest(t *testing.T) {
	cands := []string{"openat", "open", "read", "write", "socket", "AF_INET", "AF_INET6"}
	for _, tc := range []struct {
		word, want string
		ok         bool
	}{
		{"opnat", "openat", true},
		{"oepnat", "openat", true}, // swap counts once
		{"sockte", "socket", true},
		{"AF_INTE", "AF_INET", true},
		{"rea", "read", true},
		{"zzzzzz", "", false},
		{"OPENAT", "openat", true}, // case first, before any edit distance
		{"openat", "open", true},   // never the word itself

	} {
		got, ok := Nearest(tc.word, cands)
		if got != tc.want || ok != tc.ok {
			t.Errorf("Nearest(%q) = %q, %v; want %q, %v", tc.word, got, ok, tc.want, tc.ok)
		}
	}
}

func TestDidYouMean(t *testing.T) {
	if got := DidYouMean("opnat", []string{"openat"}); got != ` (did you mean "openat"?)` {
		t.Errorf("DidYouMean = %q", got)
	}
	if got := DidYouMean("zzzz", []string{"openat"}); got != "" {
		t.Errorf("DidYouMean of nothing close = %q", got)
	}
}
