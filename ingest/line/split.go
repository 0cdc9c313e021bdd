package line

// Next returns the first line of a datagram and the rest, splitting at '\n'.
// rest is nil after the last line. Empty lines come back empty; callers skip
// them (a trailing newline is common and is not an error).
func Next(b []byte) (line, rest []byte) { return cut(b, '\n') }

// NextTag returns the first tag of a raw tag list (Sample.Tags) and the
// rest, splitting at ','. rest is nil after the last tag; empty tags come
// back empty, for the caller to skip.
func NextTag(tags []byte) (tag, rest []byte) { return cut(tags, ',') }

// Count is how many non-empty lines b has, as Next splits them: what a
// datagram dropped unparsed counts as.
func Count(b []byte) (n uint64) {
	for b != nil {
		var l []byte
		if l, b = Next(b); len(l) > 0 {
			n++
		}
	}
	return n
}
