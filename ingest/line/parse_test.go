package line

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// want is the part of a Sample a test states; nil fields are not compared.
type want struct {
	name    string
	typ     Type
	rate    float64
	values  []float64
	deltas  []bool
	members []string
	tags    string
	ts      int64
	cont    string
}

func TestParse_Success(t *testing.T) {
	f := func(in string, w want) {
		t.Helper()
		var s Sample
		require.Equal(t, OK, Parse([]byte(in), &s), "line %q", in)
		assert.Equal(t, w.name, string(s.Name), "name of %q", in)
		assert.Equal(t, w.typ, s.Type, "type of %q", in)
		rate := w.rate
		if rate == 0 {
			rate = 1
		}
		assert.Equal(t, rate, s.Rate, "rate of %q", in)
		if w.members != nil {
			got := make([]string, len(s.Members))
			for i, m := range s.Members {
				got[i] = string(m)
			}
			assert.Equal(t, w.members, got, "members of %q", in)
			assert.Empty(t, s.Values)
		} else {
			assert.Equal(t, w.values, s.Values, "values of %q", in)
		}
		if w.typ == Gauge {
			assert.Equal(t, w.deltas, s.Deltas, "deltas of %q", in)
		} else {
			assert.Empty(t, s.Deltas)
		}
		assert.Equal(t, w.tags, string(s.Tags), "tags of %q", in)
		assert.Equal(t, w.ts, s.Timestamp, "timestamp of %q", in)
		assert.Equal(t, w.cont, string(s.Container), "container of %q", in)
	}
	f("hits:1|c", want{name: "hits", typ: Counter, values: []float64{1}})
	f("hits:2.5|c|@0.1", want{name: "hits", typ: Counter, rate: 0.1, values: []float64{2.5}})
	f("hits:-3|c", want{name: "hits", typ: Counter, values: []float64{-3}})
	f("temp:21.5|g", want{name: "temp", typ: Gauge, values: []float64{21.5}, deltas: []bool{false}})
	f("temp:+4|g", want{name: "temp", typ: Gauge, values: []float64{4}, deltas: []bool{true}})
	f("temp:-4|g", want{name: "temp", typ: Gauge, values: []float64{-4}, deltas: []bool{true}})
	f("temp:1:+2:-3|g", want{name: "temp", typ: Gauge, values: []float64{1, 2, -3}, deltas: []bool{false, true, true}})
	f("users:alice|s", want{name: "users", typ: Set, members: []string{"alice"}})
	f("users:a:b:a|s", want{name: "users", typ: Set, members: []string{"a", "b", "a"}})
	f("lat:320|ms", want{name: "lat", typ: Timer, values: []float64{320}})
	f("lat:1:2:3|ms|@0.5", want{name: "lat", typ: Timer, rate: 0.5, values: []float64{1, 2, 3}})
	f("size:1024|h", want{name: "size", typ: Histogram, values: []float64{1024}})
	f("size:0.001|d", want{name: "size", typ: Distribution, values: []float64{0.001}})
	f("req:1|c|#env:prod,svc:api", want{name: "req", typ: Counter, values: []float64{1}, tags: "env:prod,svc:api"})
	f("req:1|c|@0.25|#env:prod", want{name: "req", typ: Counter, rate: 0.25, values: []float64{1}, tags: "env:prod"})
	f("req:1|c|#env:prod|@0.25", want{name: "req", typ: Counter, rate: 0.25, values: []float64{1}, tags: "env:prod"})
	f("req:1|c|#", want{name: "req", typ: Counter, values: []float64{1}})
	f("req:1|c|T1763800000", want{name: "req", typ: Counter, values: []float64{1}, ts: 1763800000})
	f("req:1|c|c:abc123|#a:b", want{name: "req", typ: Counter, values: []float64{1}, tags: "a:b", cont: "abc123"})
	f("req:1|c|card:low|e:it-false,cn-x", want{name: "req", typ: Counter, values: []float64{1}})
	f("req:1|c|", want{name: "req", typ: Counter, values: []float64{1}})
	f("req:1|c\r", want{name: "req", typ: Counter, values: []float64{1}})
	f("a.b-c_d/e:1e3|c", want{name: "a.b-c_d/e", typ: Counter, values: []float64{1000}})
	f("x:1.5E-2|ms", want{name: "x", typ: Timer, values: []float64{0.015}})
	f("x:12345678901234567890|c", want{name: "x", typ: Counter, values: []float64{12345678901234567890}})
	f("x:0.1|c", want{name: "x", typ: Counter, values: []float64{0.1}})
	f("x:.5|c", want{name: "x", typ: Counter, values: []float64{0.5}})
	f("x:5.|c", want{name: "x", typ: Counter, values: []float64{5}})
	f("x:1e-400|c", want{name: "x", typ: Counter, values: []float64{0}})
	f("x:1e-200|c", want{name: "x", typ: Counter, values: []float64{0}})
	f("x:1|c|@1", want{name: "x", typ: Counter, values: []float64{1}})
	f("x:1|c|@0.000001", want{name: "x", typ: Counter, rate: 1e-6, values: []float64{1}})
	f("héllo wörld:1|c|#ünï:cödé", want{name: "héllo wörld", typ: Counter, values: []float64{1}, tags: "ünï:cödé"})
	f(strings.Repeat("n", 255)+":1|c", want{name: strings.Repeat("n", 255), typ: Counter, values: []float64{1}})
}

func TestParse_Failure(t *testing.T) {
	f := func(in string, r Reason) {
		t.Helper()
		var s Sample
		assert.Equal(t, r, Parse([]byte(in), &s), "line %q", in)
	}
	f("_e{5,4}:title|text", Skipped)
	f("_sc|check|0", Skipped)
	f(":1|c", EmptyName)
	f(strings.Repeat("n", 256)+":1|c", NameTooLong)
	f("hits", NoValue)
	f("", NoValue)
	f("hits:|c", NoValue)
	f("hits:1::2|ms", NoValue)
	f("users:a::b|s", NoValue)
	f("users:|s", NoValue)
	f("hits:1", BadType)
	f("hits:1|", BadType)
	f("hits:1|x", BadType)
	f("hits:1|C", BadType)
	f("hits:1|msx", BadType)
	f("hits:abc|c", BadValue)
	f("hits:1.2.3|c", BadValue)
	f("hits:inf|c", BadValue)
	f("hits:NaN|c", BadValue)
	f("hits:0x10|c", BadValue)
	f("hits:1_000|c", BadValue)
	f("hits:+|c", BadValue)
	f("hits:.|c", BadValue)
	f("hits:1e|c", BadValue)
	f("hits:1e999|c", NonFinite)
	f("hits:-1e999|c", NonFinite)
	f("hits:1e109|c", NonFinite) // > 2^360 ~ 2.35e108
	f("hits:1|c|@0", BadRate)
	f("hits:1|c|@1.5", BadRate)
	f("hits:1|c|@-0.5", BadRate)
	f("hits:1|c|@x", BadRate)
	f("hits:1|c|@1e-200", BadRate)
	f("hits:1|c|@0.0000009", BadRate)
	f("hits:1|c|@", BadRate)
	f("hits:1|c|@0.5|@0.5", BadField)
	f("hits:1|c|#a:b|#c:d", BadField)
	f("hits:1|c|T", BadTimestamp)
	f("hits:1|c|Tabc", BadTimestamp)
	f("hits:1|c|T0", BadTimestamp)
	f("hits:1|c|T-5", BadTimestamp)
	f("hits:1|c|T1234567890123", BadTimestamp)
	f("hits:1|c|T1|T2", BadField)
	f("hi\x00ts:1|c", BadEncoding)
	f("hits:1|c|#a:\x01", BadEncoding)
	f("hits:1|c\t", BadEncoding)
	f("h\xffits:1|c", BadEncoding)
	f("hits:1|c|#a:\xc2\x85", BadEncoding) // U+0085, a C1 control
	f("hits\x7f:1|c", BadEncoding)
}

func TestParseNumber_MatchesStrconv(t *testing.T) {
	for _, in := range []string{"0", "1", "-1", "0.1", "0.3", "123.456", "9007199254740993",
		"999999999999999", "0.000001", "3.14159265358979", "1e10", "2.5e-3", "100000000000000000000000"} {
		got, ok := parseNumber([]byte(in))
		require.True(t, ok, in)
		assert.Equal(t, math.Float64bits(mustParse(t, in)), math.Float64bits(got), in)
	}
}

func TestNext(t *testing.T) {
	var got []string
	b := []byte("a:1|c\n\nb:2|c\n")
	for b != nil {
		var l []byte
		l, b = Next(b)
		got = append(got, string(l))
	}
	assert.Equal(t, []string{"a:1|c", "", "b:2|c", ""}, got)
}

func TestParse_NoAllocs(t *testing.T) {
	var s Sample
	lines := [][]byte{
		[]byte("api.requests:1:2:3|ms|@0.5|#env:prod,svc:api,az:use1a"),
		[]byte("api.temp:+3|g|#env:prod"),
		[]byte("api.users:alice:bob|s"),
		[]byte("api.big:123456789012345678901234567890|c"),
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			Parse(l, &s)
		}
	})
	assert.Zero(t, allocs)
}

func TestPrintableASCII8_AgreesWithTheByteLoop(t *testing.T) {
	check := func(b [8]byte) {
		want := true
		for _, c := range b {
			if c < 0x20 || c >= 0x7f {
				want = false
			}
		}
		got := printableASCII8(uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56)
		if got != want {
			t.Fatalf("printableASCII8(%q) = %v, want %v", b[:], got, want)
		}
	}
	for c := range 256 {
		for pos := range 8 {
			b := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			b[pos] = byte(c)
			check(b)
			b = [8]byte{0x20, 0x7e, 0x20, 0x7e, 0x21, 0x7d, 0x40, 0x5f}
			b[pos] = byte(c)
			check(b)
		}
	}
}

// Count counts what Next splits and a datagram's reader would parse: the
// non-empty lines.
func TestCount(t *testing.T) {
	for in, want := range map[string]uint64{"": 0, "a": 1, "a\n": 1, "a\n\nb": 2, "\n\n": 0, "a\nb\nc\n": 3} {
		assert.Equal(t, want, Count([]byte(in)), "%q", in)
	}
}
