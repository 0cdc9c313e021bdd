package aggregate

import (
	"hash/maphash"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// keySeed seeds the series hashes; it is fixed for the life of the process,
// so equal lines hash equally in every reader.
var keySeed = maphash.MakeSeed()

// rawKey is the 64-bit identity of a line's series as written: its name and
// type, and its tags in any order. Each tag's hash is mixed and the results
// added, so "a:1,b:2" and "b:2,a:1" are one series without sorting anything.
// Lines whose tags differ but fix up to the same dimensions (a repeated or
// bare tag) get different raw keys that resolve to the same series on their
// first sample of a period (see Local.resolve).
//
// Two different series collide with probability ~n²/2^65: about 3e-8 for a
// million live series. It is never 0, rawIndex's empty mark.
func rawKey(s *line.Sample) uint64 {
	h := maphash.Bytes(keySeed, s.Name) ^ uint64(s.Type)*0x9e3779b97f4a7c15
	for raw := s.Tags; len(raw) > 0; {
		var t []byte
		t, raw = line.NextTag(raw)
		if len(t) > 0 {
			h += mix(maphash.Bytes(keySeed, t))
		}
	}
	if h == 0 {
		return 1
	}
	return h
}

// mix is splitmix64's finalizer: it keeps the sum of tag hashes from
// cancelling out in structured ways.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// canonicalKey is name, type and the fixed, sorted dimensions joined by NUL,
// which the parser guarantees none of them contains.
func canonicalKey(b []byte, s *line.Sample, tags []tag) []byte {
	b = appendKeyHead(b, s.Name, s.Type)
	for _, t := range tags {
		b = appendKeyDim(b, t.name, t.value)
	}
	return b
}

// appendKeyHead and appendKeyDim write a series key (canonicalKey, and
// canonicalDatumKey for rollups) from bytes or strings.
func appendKeyHead[S ~string | ~[]byte](b []byte, name S, t line.Type) []byte {
	b = append(b, name...)
	return append(b, 0, byte(t))
}

func appendKeyDim[S ~string | ~[]byte](b []byte, name, value S) []byte {
	b = append(b, 0)
	b = append(b, name...)
	b = append(b, 0)
	return append(b, value...)
}
