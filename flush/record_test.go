package flush

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

func TestRecord_RoundTripIsExact(t *testing.T) {
	r := &Request{Namespace: "MyApp/Prod", Timestamp: time.Unix(1700000000, 0).UTC(), Resolution: 1, Datums: []aggregate.Datum{
		{Name: "hits", Dimensions: []aggregate.Dimension{{Name: "env", Value: "prod"}, {Name: "host", Value: "ünï"}}, Unit: "Count",
			Stats: aggregate.StatisticSet{SampleCount: 3, Sum: 0.1 + 0.2, Minimum: -math.MaxFloat64, Maximum: 5e-324}},
		{Name: "users", Unit: "Count", HasValue: true, Value: 42},
		{Name: "lat", Unit: "Milliseconds", Stats: aggregate.StatisticSet{SampleCount: 2, Sum: 3, Minimum: 1, Maximum: 2},
			Values: []float64{1, 2}, Counts: []float64{1, 0.5}},
	}}
	r.size = r.computeSize()
	got, err := decodeRequest(appendRequest(nil, r))
	require.NoError(t, err)
	assert.Equal(t, r, got)
}

func TestRecord_MalformedIsAnErrorNeverAPanic(t *testing.T) {
	r := &Request{Namespace: "StatsD", Timestamp: time.Unix(60, 0).UTC(), Resolution: 60, Datums: counters("c", 3)}
	b := appendRequest(nil, r)
	for i := range len(b) {
		_, err := decodeRequest(b[:i])
		assert.ErrorIs(t, err, errRecord, "truncated at %d", i)
	}
	_, err := decodeRequest(append(b, 0))
	assert.ErrorIs(t, err, errRecord, "trailing bytes")
	_, err = decodeRequest(append([]byte{9}, b[1:]...))
	assert.ErrorContains(t, err, "version 9")
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add(appendRequest(nil, &Request{Namespace: "StatsD", Timestamp: time.Unix(60, 0), Resolution: 60, Datums: counters("c", 2)}))
	f.Add([]byte{1, 0, 0, 60, 255, 255, 255, 255, 15})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRequest(b)
		if err == nil {
			again, err := decodeRequest(appendRequest(nil, r))
			require.NoError(t, err)
			assert.Equal(t, len(r.Datums), len(again.Datums))
		}
	})
}
