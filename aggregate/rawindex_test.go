package aggregate

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The index answers exactly what a map would, through growth, keys that
// share a fingerprint (high half) or a home slot (low bits), and raw forms
// that share an entry.
func TestRawIndex_AgreesWithAMap(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	cases := map[string]func(i int) uint64{
		"random":           func(int) uint64 { return r.Uint64() | 1 },
		"same fingerprint": func(i int) uint64 { return 0xdeadbeef<<32 | uint64(i+1) },
		"same home slot":   func(i int) uint64 { return uint64(i+1)<<32 | 0x1000 },
	}
	for name, key := range cases {
		t.Run(name, func(t *testing.T) {
			tb := &table{}
			want := map[uint64]int32{}
			for i := range 5_000 {
				k := key(i)
				pos := int32(len(tb.entries))
				if i%5 == 4 { // another raw form of an earlier entry
					pos = int32(r.IntN(len(tb.entries)))
				} else {
					tb.entries = append(tb.entries, entry{raw: k})
				}
				_, found := tb.lookup(k)
				require.False(t, found, "%#x before it is remembered", k)
				tb.remember(k, pos)
				want[k] = pos
			}
			for k, pos := range want {
				got, ok := tb.lookup(k)
				require.True(t, ok, "%#x", k)
				require.Equal(t, pos, got, "%#x", k)
			}
			for range 1_000 {
				k := r.Uint64() | 1
				if _, in := want[k]; !in {
					_, ok := tb.lookup(k)
					assert.False(t, ok, "%#x was never remembered", k)
				}
			}
			used := 0
			for _, s := range tb.index.slots {
				if s != 0 {
					used++
				}
			}
			assert.Equal(t, len(tb.entries), used, "first raw forms are in the slots")
			assert.Len(t, tb.index.alt, 1_000, "other raw forms are beside them")
			assert.LessOrEqual(t, used*8, len(tb.index.slots)*7)
		})
	}
}

func TestRawIndex_Empty(t *testing.T) {
	_, ok := (&table{}).lookup(42)
	assert.False(t, ok)
}
