package metadata

import (
	"fmt"
	"net/http"
	"strings"
)

// lookupErrors is everything one Lookup could not get, on one line (it goes
// to the log as one attribute).
type lookupErrors []error

func (e lookupErrors) Error() string {
	parts := make([]string, len(e))
	for i, err := range e {
		parts[i] = err.Error()
	}
	return "metadata lookup: " + strings.Join(parts, "; ")
}

func (e lookupErrors) Unwrap() []error { return e }

// statusError is a non-2xx answer.
type statusError struct {
	method, url string
	code        int
	body        string // the start of the body, trimmed
}

func (e *statusError) Error() string {
	msg := fmt.Sprintf("%s %s: status %d %s", e.method, e.url, e.code, http.StatusText(e.code))
	if e.body != "" {
		msg += ": " + quote(e.body)
	}
	return msg
}

// valueError is a value CloudWatch would reject.
type valueError struct {
	name, value, from string
	err               error
}

func (e *valueError) Error() string {
	return fmt.Sprintf("%s: value %s from %s is not a valid CloudWatch dimension value: it %v; remove %s from dimensions.metadata",
		e.name, quote(e.value), e.from, e.err, e.name)
}

func (e *valueError) Unwrap() error { return e.err }
