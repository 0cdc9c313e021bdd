package cwtext

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProblem(t *testing.T) {
	for _, tc := range []struct{ s, want string }{
		{"i-0123", ""},
		{"zone-ü", ""},
		{strings.Repeat("x", 1024), ""},
		{"", "is empty"},
		{strings.Repeat("x", 1025), "is 1025 bytes, over CloudWatch's limit of 1024"},
		{string(make([]byte, 10)), "has a control character (U+0000) at byte 0"},
		{"a\nb", "has a control character (U+000A) at byte 1"},
		{"a\u0085", "has a control character (U+0085) at byte 1"},
		{"a\xffb", "is not valid UTF-8"},
	} {
		assert.Equal(t, tc.want, Problem(tc.s, 1024), "%q", tc.s)
	}
}
