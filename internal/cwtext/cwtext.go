// Package cwtext owns the rule every string CloudWatch takes shares
// (namespaces, metric and dimension names, dimension values): valid UTF-8
// without control characters, within a byte limit. The config, the metadata
// lookups and the agent's own checks word their refusals from it.
package cwtext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CloudWatch's limits on dimensions (the fake CloudWatch in test/ keeps its
// own copy: it stands for the service, not for this agent).
const (
	MaxDimensions  = 30   // per datum
	MaxDimNameLen  = 255  // bytes
	MaxDimValueLen = 1024 // bytes
)

// Problem says why CloudWatch would refuse s as a string of at most max
// bytes, as a phrase that follows the thing's name ("is empty", "has a
// control character (U+0009) at byte 5"); "" when it takes it. Bytes are
// counted, which is never more lenient than CloudWatch's characters.
func Problem(s string, max int) string {
	switch {
	case s == "":
		return "is empty"
	case len(s) > max:
		return fmt.Sprintf("is %d bytes, over CloudWatch's limit of %d", len(s), max)
	case !utf8.ValidString(s):
		return "is not valid UTF-8"
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return fmt.Sprintf("has a control character (%U) at byte %d", r, i)
	}
	return ""
}
