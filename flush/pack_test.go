package flush

import (
	"cmp"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

var packStart = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// bigDatum is a timer with dims long dimensions (names of 255 bytes, values
// of 1024) and values points in Values/Counts.
func bigDatum(i, dims, values int) aggregate.Datum {
	d := aggregate.Datum{Name: fmt.Sprintf("timer.%04d", i), Unit: aggregate.UnitMilliseconds,
		Stats: aggregate.StatisticSet{SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1}}
	for j := range dims {
		d.Dimensions = append(d.Dimensions, aggregate.Dimension{
			Name:  fmt.Sprintf("d%02d-", j) + strings.Repeat("n", 251),
			Value: strings.Repeat(string(rune('a'+j%26)), 1020) + fmt.Sprintf("%04d", i%10000),
		})
	}
	if values > 0 {
		d.Stats = aggregate.StatisticSet{SampleCount: float64(values * 2), Sum: 0, Minimum: 1, Maximum: float64(values)}
		for v := range values {
			d.Values = append(d.Values, float64(v+1))
			d.Counts = append(d.Counts, 2)
			d.Stats.Sum += float64(2 * (v + 1))
		}
	}
	return d
}

// checkPacked holds pack's contract: every request within the limits (a
// datum too large for any request goes alone), sizes exact, metadata from the
// batch, order preserved, and greedy: no request could have taken the datum
// that starts the next one, which for an order-preserving split is the
// fewest requests possible.
func checkPacked(t *testing.T, ns string, b aggregate.Batch, reqs []*Request, maxDatums, maxBytes int) {
	t.Helper()
	var all []aggregate.Datum
	for i, r := range reqs {
		require.NotEmpty(t, r.Datums, "request %d", i)
		assert.Equal(t, ns, r.Namespace)
		assert.Equal(t, b.Start, r.Timestamp)
		assert.Equal(t, b.Resolution, r.Resolution)
		assert.LessOrEqual(t, len(r.Datums), maxDatums, "request %d", i)
		assert.Equal(t, r.computeSize(), r.Size(), "request %d", i)
		if len(r.Datums) > 1 {
			assert.LessOrEqual(t, r.Size(), maxBytes, "request %d", i)
		}
		if i+1 < len(reqs) {
			next := &reqs[i+1].Datums[0]
			assert.True(t, len(r.Datums) == maxDatums || r.Size()+datumSize(next, r.Resolution) > maxBytes,
				"request %d (%d datums, %d bytes) had room for the next datum (%d bytes)",
				i, len(r.Datums), r.Size(), datumSize(next, r.Resolution))
		}
		all = append(all, r.Datums...)
	}
	assertDatums(t, b.Datums, all, "datums kept, in order")
}

func sizes(reqs []*Request) (datums, bytes []int) {
	for _, r := range reqs {
		datums = append(datums, len(r.Datums))
		bytes = append(bytes, r.Size())
	}
	return datums, bytes
}

func TestPack_ByCount(t *testing.T) {
	f := func(name string, n, maxDatums int, want ...int) {
		t.Helper()
		b := batch(packStart, counters("c", n))
		reqs := pack("StatsD", b, maxDatums, MaxBytes)
		got, _ := sizes(reqs)
		assert.Equal(t, want, got, name)
		checkPacked(t, "StatsD", b, reqs, maxDatums, MaxBytes)
	}
	f("2500 small datums", 2500, MaxDatums, 1000, 1000, 500)
	f("exactly 1000", 1000, MaxDatums, 1000)
	f("1001", 1001, MaxDatums, 1000, 1)
	f("one", 1, MaxDatums, 1)
	f("shrunk MaxDatums", 20, 7, 7, 7, 6)
	f("MaxDatums 1", 3, 1, 1, 1, 1)
}

func TestPack_EmptyBatchMakesNoRequest(t *testing.T) {
	assert.Empty(t, pack("StatsD", aggregate.Batch{Start: packStart, Resolution: 60}, MaxDatums, MaxBytes))
	assert.Empty(t, pack("StatsD", batch(packStart, []aggregate.Datum{}), MaxDatums, MaxBytes))
}

func TestPack_ByBytes(t *testing.T) {
	f := func(name string, ds []aggregate.Datum, maxDatums, maxBytes int, wantRequests int) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			b := aggregate.Batch{Start: packStart, Resolution: 1, Datums: ds}
			reqs := pack("StatsD", b, maxDatums, maxBytes)
			n, bytes := sizes(reqs)
			t.Logf("%d requests: datums %v, bytes %v", len(reqs), n, bytes)
			assert.Len(t, reqs, wantRequests)
			checkPacked(t, "StatsD", b, reqs, maxDatums, maxBytes)
		})
	}
	largest := make([]aggregate.Datum, 100)
	for i := range largest {
		largest[i] = bigDatum(i, 30, 150)
	}
	one := datumSize(&largest[0], 1)
	perRequest := (MaxBytes - requestOverhead("StatsD")) / one
	f("100 of the largest datums", largest, MaxDatums, MaxBytes, int(math.Ceil(100/float64(perRequest))))

	mixed := make([]aggregate.Datum, 150)
	total := 0
	for i := range mixed {
		mixed[i] = bigDatum(i, i%31, (i*37)%151)
		total += datumSize(&mixed[i], 1)
	}
	f("150 datums of mixed sizes", mixed, MaxDatums, MaxBytes, 4)
	assert.Greater(t, total, 3*MaxBytes, "the mixed batch needs at least 4 requests")

	c := counters("c", 200)
	perRequest = (5000 - requestOverhead("StatsD")) / datumSize(&c[0], 1) // equal sizes: the bound is exact
	f("shrunk MaxBytes", c, MaxDatums, 5000, int(math.Ceil(200/float64(perRequest))))
	f("shrunk both", c, 10, 5000, 20)
	f("datums larger than MaxBytes go alone", largest[:3], MaxDatums, 1000, 3)
}

func TestRequest_SplitKeepsSizesExact(t *testing.T) {
	f := func(n int) {
		t.Helper()
		ds := make([]aggregate.Datum, n)
		for i := range ds {
			ds[i] = bigDatum(i, i%4, i%5)
		}
		r := pack("StatsD", batch(packStart, ds), MaxDatums, math.MaxInt)[0]
		a, b := r.split()
		assert.Equal(t, n/2, len(a.Datums))
		assert.Equal(t, append(append([]aggregate.Datum{}, a.Datums...), b.Datums...), r.Datums)
		for _, h := range []*Request{a, b} {
			assert.Equal(t, h.computeSize(), h.Size())
			assert.Equal(t, r.Namespace, h.Namespace)
			assert.Equal(t, r.Timestamp, h.Timestamp)
			assert.Equal(t, r.Resolution, h.Resolution)
		}
		assert.Equal(t, r.Size()+requestOverhead("StatsD"), a.Size()+b.Size())
	}
	f(2)
	f(3)
	f(1000)
}

// TestFlusher_PacksWithinLimits sends packed requests through the real SDK:
// what fakecw decodes is exactly the computed size, and within the limit.
func TestFlusher_PacksWithinLimits(t *testing.T) {
	t.Parallel() // real SDK and network: the slowest tests of the package
	f := func(name string, ds []aggregate.Datum, o Options) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, pub := newFake(t)
			b := aggregate.Batch{Start: time.Now().Truncate(time.Minute), Resolution: 60, Datums: ds}
			maxDatums, maxBytes := cmp.Or(o.MaxDatums, MaxDatums), cmp.Or(o.MaxBytes, MaxBytes)
			want := pack(o.Namespace, aggregate.Batch{Start: b.Start, Resolution: 60, Datums: clone(ds)}, maxDatums, maxBytes)
			fl := deliver(t, pub, o, b)

			got := srv.Requests()
			require.Len(t, got, len(want), "as many requests as packed")
			for i, r := range got {
				assert.Equal(t, "ok", r.Outcome, "request %d", i)
				assert.Equal(t, want[i].Size(), r.RawBytes, "request %d: computed size = SDK's body", i)
				assert.LessOrEqual(t, r.RawBytes, maxBytes, "request %d", i)
				assert.LessOrEqual(t, len(r.Datums), maxDatums, "request %d", i)
			}
			assertSameDatums(t, wires(o.Namespace, b), srv.Datums())
			assert.Equal(t, uint64(len(ds)), fl.Delivered.Load())
			t.Logf("%d datums in %d requests", len(ds), len(got))
		})
	}
	largest := make([]aggregate.Datum, 60)
	for i := range largest {
		largest[i] = bigDatum(i, 30, 150)
	}
	mixed := make([]aggregate.Datum, 80)
	for i := range mixed {
		mixed[i] = bigDatum(i, (i*7)%31, (i*37)%151)
	}
	f("largest datums", largest, fastOpts())
	f("mixed datums", mixed, fastOpts())
	shrunk := fastOpts()
	shrunk.MaxDatums, shrunk.MaxBytes = 300, 50_000
	f("shrunk limits", append(clone(mixed[:20]), counters("c", 1000)...), shrunk)
}

func TestSanitize(t *testing.T) {
	stats := func(n, sum, lo, hi float64) aggregate.StatisticSet {
		return aggregate.StatisticSet{SampleCount: n, Sum: sum, Minimum: lo, Maximum: hi}
	}
	limit := math.Ldexp(1, 360)
	over := math.Ldexp(1, 361)
	floor := math.Ldexp(1, -360)
	under := math.Ldexp(1, -361)
	nan, inf := math.NaN(), math.Inf(1)

	f := func(name string, d aggregate.Datum, kept bool, want aggregate.Datum) {
		t.Helper()
		var dropped []string
		got := sanitize([]aggregate.Datum{d}, func(d *aggregate.Datum) { dropped = append(dropped, d.Name) })
		if !kept {
			assert.Empty(t, got, name)
			assert.Equal(t, []string{d.Name}, dropped, name)
			return
		}
		assert.Empty(t, dropped, name)
		if assert.Len(t, got, 1, name) {
			assert.Equal(t, want, got[0], name)
		}
	}
	drop := func(name string, d aggregate.Datum) { t.Helper(); d.Name = name; f(name, d, false, aggregate.Datum{}) }
	keep := func(name string, d, want aggregate.Datum) {
		t.Helper()
		d.Name, want.Name = name, name
		f(name, d, true, want)
	}
	dist := func(values, counts []float64) aggregate.Datum {
		return aggregate.Datum{Stats: stats(2, 2, 1, 1), Values: values, Counts: counts}
	}

	drop("NaN Sum", aggregate.Datum{Stats: stats(1, nan, 1, 1)})
	drop("+Inf Sum", aggregate.Datum{Stats: stats(1, inf, 1, 1)})
	drop("-Inf Minimum", aggregate.Datum{Stats: stats(1, 1, -inf, 1)})
	drop("+Inf Maximum", aggregate.Datum{Stats: stats(1, 1, 1, inf)})
	drop("Inf SampleCount", aggregate.Datum{Stats: stats(inf, 1, 1, 1)})
	drop("over 2^360 Sum", aggregate.Datum{Stats: stats(1, over, 1, 1)})
	drop("under -2^360 Sum", aggregate.Datum{Stats: stats(1, -over, 1, 1)})
	drop("SampleCount 0", aggregate.Datum{Stats: stats(0, 0, 0, 0)})
	drop("SampleCount below 2^-360", aggregate.Datum{Stats: stats(under, 1, 1, 1)})
	drop("NaN Value", aggregate.Datum{HasValue: true, Value: nan})
	drop("-Inf Value", aggregate.Datum{HasValue: true, Value: -inf})
	drop("over 2^360 Value", aggregate.Datum{HasValue: true, Value: over})
	drop("NaN in Values", dist([]float64{1, nan}, []float64{1, 1}))
	drop("Inf in Values", dist([]float64{inf}, []float64{2}))
	drop("over 2^360 in Values", dist([]float64{1, -over}, []float64{1, 1}))
	drop("NaN in Counts", dist([]float64{1, 2}, []float64{nan, 1}))
	drop("Inf in Counts", dist([]float64{1, 2}, []float64{1, inf}))
	drop("over 2^360 in Counts", dist([]float64{1}, []float64{over}))

	keep("2^360 exactly", aggregate.Datum{Stats: stats(1, limit, -limit, limit)},
		aggregate.Datum{Stats: stats(1, limit, -limit, limit)})
	keep("2^-360 exactly", aggregate.Datum{HasValue: true, Value: floor}, aggregate.Datum{HasValue: true, Value: floor})
	keep("tiny Value rounded to 0", aggregate.Datum{HasValue: true, Value: -under}, aggregate.Datum{HasValue: true})
	keep("tiny statistics rounded to 0", aggregate.Datum{Stats: stats(2, 1e-300, -1e-200, under)},
		aggregate.Datum{Stats: stats(2, 0, 0, 0)})
	keep("tiny Values and Counts rounded to 0", dist([]float64{-1e-300, 1e-200, 1}, []float64{1, 1e-320, 1}),
		dist([]float64{0, 0, 1}, []float64{1, 0, 1}))
	keep("a Value ignores its unused statistics", aggregate.Datum{HasValue: true, Value: 3, Stats: stats(0, inf, -inf, 0)},
		aggregate.Datum{HasValue: true, Value: 3, Stats: stats(0, inf, -inf, 0)})
	keep("zero Value", aggregate.Datum{HasValue: true}, aggregate.Datum{HasValue: true})
}

func TestSanitize_KeepsOrderAndReportsEachDrop(t *testing.T) {
	ds := counters("c", 6)
	ds[1].Stats.Sum = math.NaN()
	ds[4].Stats.Maximum = math.Inf(1)
	want := clone([]aggregate.Datum{ds[0], ds[2], ds[3], ds[5]})
	var dropped []string
	got := sanitize(ds, func(d *aggregate.Datum) { dropped = append(dropped, d.Name) })
	assert.Equal(t, want, got)
	assert.Equal(t, []string{"c.0001", "c.0004"}, dropped)
	assert.Empty(t, sanitize(nil, func(*aggregate.Datum) { t.Error("drop called") }))
}
