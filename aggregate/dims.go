package aggregate

import (
	"bytes"
	"slices"
	"unicode/utf8"
)

// CloudWatch's dimension limits.
const (
	MaxDimensions     = 30
	MaxDimNameLen     = 255
	MaxDimValueLen    = 1024
	maxTagsConsidered = 256 // tags past this in one line are dropped as too_many
)

// Why a tag did not become a dimension as written. These are counted per line.
const (
	tagBare         = iota // "#canary": no value, and CloudWatch needs one
	tagEmptyValue          // "#env:": CloudWatch rejects empty values
	tagBadName             // empty, over 255 bytes, or starting with ':'
	tagDuplicate           // the same name twice: the smallest value wins
	tagTooMany             // more than 30: the first 30 by name survive
	tagValueTrimmed        // value over 1024 bytes: cut to 1024 on a rune boundary
	numTagReasons
)

var tagReasons = []string{"bare_tag", "empty_value", "bad_name", "duplicate_name", "too_many_dimensions", "value_truncated"}

// tag is a dimension still pointing into the line.
type tag struct{ name, value []byte }

func (a tag) less(b tag) bool { return compareTags(a, b) < 0 }

func compareTags(a, b tag) int {
	if c := bytes.Compare(a.name, b.name); c != 0 {
		return c
	}
	return bytes.Compare(a.value, b.value)
}

// dimensions turns a raw tag list into CloudWatch dimensions, in place in buf,
// by these rules (documented in the README):
//   - a tag is name:value split at the first ':'; a bare tag or an empty value
//     is dropped, as is a name that is empty, over 255 bytes or starts with ':';
//   - values over 1024 bytes are cut to 1024 at a UTF-8 boundary;
//   - dimensions are sorted by name then value, so tag order never makes a
//     new series; for a repeated name the smallest value wins;
//   - past 30 dimensions, the first 30 in that order are kept.
//
// It reports each fix through note. It does not allocate once buf has grown.
func dimensions(raw []byte, buf []tag, note func(reason int)) []tag {
	buf = buf[:0]
	for raw != nil {
		var t []byte
		if i := bytes.IndexByte(raw, ','); i >= 0 {
			t, raw = raw[:i], raw[i+1:]
		} else {
			t, raw = raw, nil
		}
		if len(t) == 0 {
			continue
		}
		i := bytes.IndexByte(t, ':')
		switch {
		case i < 0:
			note(tagBare)
			continue
		case i == 0 || i > MaxDimNameLen || t[0] == ':':
			note(tagBadName)
			continue
		case i == len(t)-1:
			note(tagEmptyValue)
			continue
		}
		if len(buf) == maxTagsConsidered {
			note(tagTooMany)
			continue
		}
		d := tag{name: t[:i], value: t[i+1:]}
		if len(d.value) > MaxDimValueLen {
			d.value = truncateUTF8(d.value, MaxDimValueLen)
			note(tagValueTrimmed)
		}
		buf = append(buf, d)
	}
	sortTags(buf)
	buf = dedupe(buf, note)
	if len(buf) > MaxDimensions {
		note(tagTooMany)
		buf = buf[:MaxDimensions]
	}
	return buf
}

// sortTags is an insertion sort for the handful of tags lines usually carry,
// and a real sort past that (a line of 256 reversed tags must not hold the
// aggregator for a quarter of a millisecond).
func sortTags(t []tag) {
	if len(t) > 12 {
		slices.SortFunc(t, compareTags)
		return
	}
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].less(t[j-1]); j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

func dedupe(t []tag, note func(int)) []tag {
	out := t[:0]
	for _, d := range t {
		if len(out) > 0 && bytes.Equal(d.name, out[len(out)-1].name) {
			note(tagDuplicate)
			continue
		}
		out = append(out, d)
	}
	return out
}

// truncateUTF8 cuts valid UTF-8 b to at most n bytes without splitting a rune.
func truncateUTF8(b []byte, n int) []byte {
	b = b[:n]
	i := len(b) - 1
	for i > 0 && len(b)-i < utf8.UTFMax && !utf8.RuneStart(b[i]) {
		i--
	}
	if i >= 0 && !utf8.FullRune(b[i:]) {
		b = b[:i]
	}
	return b
}
