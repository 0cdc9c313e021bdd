package metadata

import (
	"errors"
	"fmt"

	"github.com/cwagentd/cwagentd/internal/cwtext"
)

// checkValue says why CloudWatch would reject v as a dimension value.
func checkValue(v string) error {
	if p := cwtext.Problem(v, cwtext.MaxDimValueLen); p != "" {
		return errors.New(p)
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
