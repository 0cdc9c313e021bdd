package aggregate

import (
	"bytes"
	"slices"
	"unicode/utf8"

	"github.com/cwagentd/cwagentd/ingest/line"
	"github.com/cwagentd/cwagentd/internal/cwtext"
)

// CloudWatch's dimension limits.
const (
	MaxDimensions     = cwtext.MaxDimensions
	MaxDimNameLen     = cwtext.MaxDimNameLen
	MaxDimValueLen    = cwtext.MaxDimValueLen
	maxTagsConsidered = 256 // tags past this in one line are dropped as too_many
)

// Why a tag did not become a dimension as written. These are counted per line.
const (
	tagBare           = iota // "#canary": no value, and no dimensions.bare_tag_value
	tagEmptyValue            // "#env:": CloudWatch rejects empty values
	tagBadName               // empty, over 255 bytes, or starting with ':'
	tagDuplicate             // the same name twice: the smallest value wins
	tagTooMany               // past 30 dimensions: the first by name survive
	tagValueTrimmed          // value over 1024 bytes: cut to 1024 on a rune boundary
	tagStaticOverride        // a static or metadata dimension has this name
	numTagReasons
)

var tagReasons = []string{"bare_tag", "empty_value", "bad_name", "duplicate_name", "too_many_dimensions", "value_truncated", "static_override"}

// tag is a dimension still pointing into the line (or into the rules, for a
// renamed key or a bare tag's value).
type tag struct{ name, value []byte }

func (a tag) less(b tag) bool { return compareTags(a, b) < 0 }

func compareTags(a, b tag) int {
	if c := bytes.Compare(a.name, b.name); c != 0 {
		return c
	}
	return bytes.Compare(a.value, b.value)
}

// dimensions turns a raw tag list into the tag dimensions of a series of the
// metric name, in place in buf, by these rules (documented in the README):
//   - a tag is key:value split at the first ':'; a bare tag takes
//     dimensions.bare_tag_value, or is dropped without one;
//   - a key that is empty, over 255 bytes or starts with ':' is dropped;
//   - the key is renamed (dimensions.rename), then the metric's first
//     matching dimensions.rules entry keeps only its allow keys and drops its
//     deny keys;
//   - a key that a static or metadata dimension has is dropped (the
//     operator's dimension wins); an empty value is dropped;
//   - values over 1024 bytes are cut to 1024 at a UTF-8 boundary;
//   - dimensions are sorted by name then value, so tag order never makes a
//     new series; for a repeated name the smallest value wins;
//   - the operator's dimensions always stay, and the tags fill what is left
//     of 30 in that order.
//
// It reports each fix through note. It does not allocate once buf has grown.
func (r *rules) dimensions(name, raw []byte, op []Dimension, buf []tag, note func(reason int)) []tag {
	buf = buf[:0]
	rule := r.tagRuleFor(name)
	for raw != nil {
		var t []byte
		t, raw = line.NextTag(raw)
		if len(t) == 0 {
			continue
		}
		var d tag
		if i := bytes.IndexByte(t, ':'); i >= 0 {
			d = tag{name: t[:i], value: t[i+1:]}
		} else if r.bare != nil {
			d = tag{name: t, value: r.bare}
		} else {
			note(tagBare)
			continue
		}
		if len(d.name) == 0 || len(d.name) > MaxDimNameLen || d.name[0] == ':' {
			note(tagBadName)
			continue
		}
		if to, ok := r.rename[string(d.name)]; ok {
			d.name = to
		}
		if rule != nil && (rule.allow != nil && !rule.allow[string(d.name)] || rule.deny[string(d.name)]) {
			continue
		}
		if reserved(op, d.name) {
			note(tagStaticOverride)
			continue
		}
		if len(d.value) == 0 {
			note(tagEmptyValue)
			continue
		}
		if len(buf) == maxTagsConsidered {
			note(tagTooMany)
			continue
		}
		if len(d.value) > MaxDimValueLen {
			d.value = truncateUTF8(d.value, MaxDimValueLen)
			note(tagValueTrimmed)
		}
		buf = append(buf, d)
	}
	sortTags(buf)
	buf = dedupe(buf, note)
	if room := max(0, MaxDimensions-len(op)); len(buf) > room {
		note(tagTooMany)
		buf = buf[:room]
	}
	return buf
}

// reserved reports whether one of dims (the operator's) is called name.
func reserved[S ~string | ~[]byte](dims []Dimension, name S) bool {
	for i := range dims {
		if dims[i].Name == string(name) {
			return true
		}
	}
	return false
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
