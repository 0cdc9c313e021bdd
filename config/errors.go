package config

import (
	"fmt"
	"strings"
)

// Errors is every problem Load found, in a stable order: the config file,
// unknown environment variables, then the keys in Keys order. Its Error
// prints one problem per line.
type Errors []error

func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.Is and errors.As look at each problem.
func (e Errors) Unwrap() []error { return e }

// valueError is a key whose value breaks its rule.
type valueError struct {
	key     string
	value   string // as given by its source
	from    origin
	problem string // what is wrong and what is allowed
}

func (e *valueError) Error() string {
	return fmt.Sprintf("%s: %q (from %s) %s", e.key, e.value, e.from, e.problem)
}
