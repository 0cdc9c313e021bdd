package line

import (
	"bytes"
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// MaxNameLen is CloudWatch's MetricName limit in bytes; longer names are
// dropped rather than truncated, because truncation could merge two series.
const MaxNameLen = 255

// MinRate is the smallest sample rate accepted. A rate of 1e-200 would weigh
// its one sample 1e200 and push the whole series' statistics beyond what
// CloudWatch stores; no real sampler goes below one in a million.
const MinRate = 1e-6

// Parse parses one line (without its '\n') into s, reusing s's slices. It
// returns OK, Skipped, or the reason the line is dropped; on anything but OK
// the contents of s are unspecified.
func Parse(b []byte, s *Sample) Reason {
	s.reset()
	if len(b) > 0 && b[len(b)-1] == '\r' {
		b = b[:len(b)-1]
	}
	if bytes.HasPrefix(b, eventPrefix) || bytes.HasPrefix(b, checkPrefix) {
		return Skipped
	}
	if !validText(b) {
		return BadEncoding
	}
	colon := bytes.IndexByte(b, ':')
	if colon < 0 {
		return NoValue
	}
	if colon == 0 {
		return EmptyName
	}
	if colon > MaxNameLen {
		return NameTooLong
	}
	s.Name = b[:colon]
	rest := b[colon+1:]
	pipe := bytes.IndexByte(rest, '|')
	if pipe < 0 {
		return BadType
	}
	values := rest[:pipe]
	rest = rest[pipe+1:]
	field, rest := cut(rest, '|')
	if s.Type = parseType(field); s.Type == 0 {
		return BadType
	}
	if r := parseFields(rest, s); r != OK {
		return r
	}
	if s.Type == Set {
		return parseMembers(values, s)
	}
	return parseValues(values, s)
}

var (
	eventPrefix = []byte("_e{")
	checkPrefix = []byte("_sc|")
)

// cut splits b at the first sep; the rest is nil when there is none.
func cut(b []byte, sep byte) (before, after []byte) {
	if i := bytes.IndexByte(b, sep); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

func parseType(f []byte) Type {
	switch string(f) { // no allocation: the compiler compares in place
	case "c":
		return Counter
	case "g":
		return Gauge
	case "s":
		return Set
	case "ms":
		return Timer
	case "h":
		return Histogram
	case "d":
		return Distribution
	}
	return 0
}

// parseFields reads the optional fields after the type. Unknown fields (newer
// DogStatsD extensions such as |e: or |card:) are ignored so that a client
// upgrade never turns into dropped data; empty fields are ignored too.
func parseFields(rest []byte, s *Sample) Reason {
	seenRate, seenTags := false, false
	for len(rest) > 0 {
		var f []byte
		f, rest = cut(rest, '|')
		if len(f) == 0 {
			continue
		}
		switch {
		case f[0] == '@':
			if seenRate {
				return BadField
			}
			seenRate = true
			r, ok := parseNumber(f[1:])
			if !ok || !(r >= MinRate && r <= 1) {
				return BadRate
			}
			s.Rate = r
		case f[0] == '#':
			if seenTags {
				return BadField
			}
			seenTags = true
			if len(f) > 1 {
				s.Tags = f[1:]
			}
		case f[0] == 'T':
			if s.Timestamp != 0 {
				return BadField
			}
			ts, ok := parseUnix(f[1:])
			if !ok {
				return BadTimestamp
			}
			s.Timestamp = ts
		case len(f) > 1 && f[0] == 'c' && f[1] == ':':
			s.Container = f[2:]
		}
	}
	return OK
}

func parseValues(b []byte, s *Sample) Reason {
	for {
		var v []byte
		v, b = cut(b, ':')
		if len(v) == 0 {
			return NoValue
		}
		delta := s.Type == Gauge && (v[0] == '+' || v[0] == '-')
		f, ok := parseNumber(v)
		if !ok {
			return BadValue
		}
		if f, ok = clampMagnitude(f); !ok {
			return NonFinite
		}
		s.Values = append(s.Values, f)
		if s.Type == Gauge {
			s.Deltas = append(s.Deltas, delta)
		}
		if b == nil {
			return OK
		}
	}
}

func parseMembers(b []byte, s *Sample) Reason {
	for {
		var m []byte
		m, b = cut(b, ':')
		if len(m) == 0 {
			return NoValue
		}
		s.Members = append(s.Members, m)
		if b == nil {
			return OK
		}
	}
}

// CloudWatch accepts magnitudes in [2^-360, 2^360] or exactly 0.
var (
	maxMagnitude = math.Ldexp(1, 360)
	minMagnitude = math.Ldexp(1, -360)
)

// clampMagnitude rejects what CloudWatch cannot store and rounds values too
// small for it to zero (the documented rule: they are indistinguishable from 0
// at any precision a dashboard shows).
func clampMagnitude(f float64) (float64, bool) {
	a := math.Abs(f)
	switch {
	case math.IsNaN(f) || a > maxMagnitude:
		return 0, false
	case a < minMagnitude:
		return 0, true
	}
	return f, true
}

// parseUnix parses a positive decimal integer of unix seconds.
func parseUnix(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, n > 0
}

// validText reports whether b is UTF-8 without control characters, which
// CloudWatch's strings (CBOR text) require. Printable ASCII, nearly every
// line, is checked eight bytes at a time.
func validText(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if !printableASCII8(binary.LittleEndian.Uint64(b[i:])) {
			break
		}
	}
	for ; i < len(b); i++ {
		c := b[i]
		if c >= utf8.RuneSelf {
			return validRunes(b[i:])
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// printableASCII8 reports whether all eight bytes of x are in 0x20..0x7e:
// no byte below 0x20 (borrow into the high bit), none equal to 0x7f (zero
// after xor), none with the high bit set.
func printableASCII8(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (x - ones*0x20) & ^x & highs
	del := x ^ (ones * 0x7f)
	isDel := (del - ones) & ^del & highs
	return (below | isDel | x&highs) == 0
}

func validRunes(b []byte) bool {
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			return false
		}
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return false
		}
		b = b[n:]
	}
	return true
}
