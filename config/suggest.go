package config

import "strings"

// suggest returns the candidate closest to s by edit distance (a swap of
// two neighbours counts as one edit), ignoring case, or "" when none is
// close enough to be a likely typo. Failing that, a candidate that s
// extends by a word (CONFIG for CONFIG_FILE) is suggested.
func suggest(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" {
		return c
	}
	best := ""
	for _, c := range candidates {
		if len(c) > len(best) && len(s) > len(c) && strings.EqualFold(s[:len(c)], c) && strings.ContainsRune("_.", rune(s[len(c)])) {
			best = c
		}
	}
	return best
}

func closest(s string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		d := editDistance(strings.ToLower(s), strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(1, len(s)/3) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and adjacent transpositions of bytes.
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
