package metadata

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxValueBytes is CloudWatch's limit on a dimension value (1024; counted in
// bytes here, which is never more lenient than characters).
const maxValueBytes = 1024

// checkValue says why CloudWatch would reject v as a dimension value.
func checkValue(v string) error {
	switch {
	case v == "":
		return errors.New("empty")
	case len(v) > maxValueBytes:
		return fmt.Errorf("%d bytes, over CloudWatch's limit of %d", len(v), maxValueBytes)
	case !utf8.ValidString(v):
		return errors.New("not valid UTF-8")
	}
	if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(v[i:])
		return fmt.Errorf("control character %U at byte %d", r, i)
	}
	return nil
}

// quote quotes v for an error message, cut to a readable length.
func quote(v string) string {
	const max = 64
	if len(v) > max {
		return fmt.Sprintf("%q...", v[:max])
	}
	return fmt.Sprintf("%q", v)
}
