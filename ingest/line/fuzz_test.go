package line

import (
	"bytes"
	"math"
	"testing"
	"unicode/utf8"
)

// FuzzParse holds Parse to its contract on any input: no panic, and an OK
// sample is one CloudWatch could take (valid text, finite values in range,
// rate in (0,1], a known type, a bounded name).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"hits:1|c", "hits:2.5|c|@0.1|#env:prod,svc:api", "temp:+4|g", "temp:1:-2|g",
		"users:a:b|s", "lat:1:2:3|ms|@0.5|T1763800000|c:abc", "size:1e3|h", "x:0.5|d|#a",
		"_e{5,4}:title|text", "_sc|check|0", ":1|c", "a:|c", "a:1|", "a:1e999|c",
		"a:1|c|@0", "a:1|c|Tx", "h\xffi:1|c", "a:1|c|#a:b|#c:d", "a:.5|c\r",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in := bytes.Clone(b)
		var s Sample
		r := Parse(b, &s)
		if !bytes.Equal(in, b) {
			t.Fatalf("Parse modified its input")
		}
		if r >= NumReasons {
			t.Fatalf("reason %d out of range", r)
		}
		if r != OK {
			return
		}
		if len(s.Name) == 0 || len(s.Name) > MaxNameLen || !utf8.Valid(s.Name) {
			t.Fatalf("bad name %q", s.Name)
		}
		if s.Type < Counter || s.Type > Distribution {
			t.Fatalf("bad type %d", s.Type)
		}
		if !(s.Rate >= MinRate && s.Rate <= 1) {
			t.Fatalf("bad rate %v", s.Rate)
		}
		if s.Type == Set {
			if len(s.Members) == 0 || len(s.Values) != 0 {
				t.Fatalf("set with %d members, %d values", len(s.Members), len(s.Values))
			}
			return
		}
		if len(s.Values) == 0 {
			t.Fatalf("no values")
		}
		for _, v := range s.Values {
			if a := math.Abs(v); math.IsNaN(v) || a > maxMagnitude || (a != 0 && a < minMagnitude) {
				t.Fatalf("value %v out of CloudWatch's range", v)
			}
		}
		if s.Type == Gauge && len(s.Deltas) != len(s.Values) {
			t.Fatalf("%d deltas for %d values", len(s.Deltas), len(s.Values))
		}
	})
}
