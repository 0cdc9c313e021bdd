package line

import "bytes"

// Next returns the first line of a datagram and the rest, splitting at '\n'.
// rest is nil after the last line. Empty lines come back empty; callers skip
// them (a trailing newline is common and is not an error).
func Next(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}
