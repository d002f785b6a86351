package syscalls

import (
	"fmt"
	"strings"
)

// Nearest returns the candidate that word most plausibly misspells: one
// that differs only in case, else the closest by edit distance (insert,
// delete, substitute, swap of neighbours) within a third of the word's
// length, and at least 1. Every front end's "did you mean" comes from here.
func Nearest(word string, candidates []string) (string, bool) {
	if len(word) > 64 {
		return "", false // no name is that long: not a typo
	}
	for _, c := range candidates {
		if c != word && strings.EqualFold(c, word) {
			return c, true
		}
	}
	best, bestDist := "", len(word)/3+1
	for _, c := range candidates {
		if c == word {
			continue
		}
		if d := editDistance(word, c); d < bestDist || (d == bestDist && best != "" && c < best) {
			best, bestDist = c, d
		}
	}
	return best, best != ""
}

// editDistance is the optimal-string-alignment (Damerau) distance.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// DidYouMean is Nearest as a message suffix: ` (did you mean "openat"?)`,
// or "" when nothing is close.
func DidYouMean(word string, candidates []string) string {
	if s, ok := Nearest(word, candidates); ok {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}
