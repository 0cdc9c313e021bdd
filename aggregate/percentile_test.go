package aggregate

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// viewOf checks each datum of one series and period is one CloudWatch
// takes, with a StatisticSet true to its own points, and returns what
// CloudWatch makes of them together (fakecw.Merge: the sets merged, the
// points pooled, percentiles by nearest rank).
func viewOf(t *testing.T, ds []Datum) fakecw.Statistics {
	t.Helper()
	require.NotEmpty(t, ds)
	wire := make([]fakecw.Datum, len(ds))
	for i, d := range ds {
		require.LessOrEqual(t, len(d.Values), MaxValues, "CloudWatch takes at most 150 values per datum")
		require.Len(t, d.Counts, len(d.Values))
		require.True(t, sort.Float64sAreSorted(d.Values))
		var n float64
		for j, x := range d.Values {
			require.True(t, x >= d.Stats.Minimum && x <= d.Stats.Maximum, "value %g outside its datum's [%g, %g]", x, d.Stats.Minimum, d.Stats.Maximum)
			n += d.Counts[j]
		}
		require.InDelta(t, d.Stats.SampleCount, n, 1e-9, "a datum's SampleCount is its points' weight")
		if n > 0 {
			mean := d.Stats.Sum / n
			require.True(t, mean >= d.Stats.Minimum*(1-1e-12)-1e-12 && mean <= d.Stats.Maximum*(1+1e-12)+1e-12,
				"mean %g outside [%g, %g]", mean, d.Stats.Minimum, d.Stats.Maximum)
		}
		st := fakecw.StatisticSet(d.Stats)
		wire[i] = fakecw.Datum{StatisticValues: &st, Values: d.Values, Counts: d.Counts}
	}
	return fakecw.Merge(wire)
}

// trueQuantile is the nearest-rank quantile of the raw samples.
func trueQuantile(sorted []float64, q float64) float64 {
	return sorted[max(0, int(math.Ceil(q*float64(len(sorted))))-1)]
}

// TestPercentiles_SkewedWithinOnePercent is the accuracy proof: 100k
// samples from a log-normal distribution spanning 1 to 10^6 (a latency with
// a long tail); the p50, p90, p99 and p99.9 that CloudWatch computes from the
// datums the agent sends are within BucketAccuracy (1%) of the true ones,
// and the merged StatisticSet is exact.
func TestPercentiles_SkewedWithinOnePercent(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	rng := rand.New(rand.NewPCG(1, 2))
	samples := make([]float64, 0, 100_000)
	var sum float64
	for len(samples) < cap(samples) {
		v := math.Exp(rng.NormFloat64()*2.5 + math.Log(300))
		if v < 1 || v > 1e6 {
			continue
		}
		v = math.Round(v*1000) / 1000 // what a client prints
		samples = append(samples, v)
		sum += v
		h.fold(fmt.Sprintf("lat:%g|ms", v))
	}
	slices.Sort(samples)
	require.Less(t, samples[0], 2.0)
	require.Greater(t, samples[len(samples)-1], 5e5, "the samples span 1 to 10^6")

	ds := h.closeAll()["lat{}"]
	require.LessOrEqual(t, len(ds), MaxChunks)
	t.Logf("100k samples from %g to %g: %d datums", samples[0], samples[len(samples)-1], len(ds))
	for _, d := range ds {
		assert.Equal(t, UnitMilliseconds, d.Unit)
	}
	v := viewOf(t, ds)
	assert.Equal(t, 100_000.0, v.SampleCount)
	assert.Equal(t, samples[0], v.Minimum)
	assert.Equal(t, samples[len(samples)-1], v.Maximum)
	assert.InEpsilon(t, sum, v.Sum, 1e-12)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		truth, got := trueQuantile(samples, q), v.Percentile(q)
		assert.InEpsilon(t, truth, got, BucketAccuracy+1e-12, "p%g", q*100)
		t.Logf("p%-5g true %-10g CloudWatch %-10g error %.3f%%", q*100, truth, got, 100*math.Abs(got-truth)/truth)
	}
}

// Sample rates weigh each point: a sampled timer's percentiles are those of
// the traffic it stands for.
func TestPercentiles_WeightsFromSampleRates(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	var samples []float64
	for i := 1; i <= 2000; i++ {
		h.fold(fmt.Sprintf("lat:%d|ms|@0.25", i))
		for range 4 {
			samples = append(samples, float64(i))
		}
	}
	v := viewOf(t, h.closeAll()["lat{}"])
	assert.Equal(t, 8000.0, v.SampleCount)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		assert.InEpsilon(t, trueQuantile(samples, q), v.Percentile(q), BucketAccuracy+1e-12, "p%g", q*100)
	}
}

func TestPercentiles_ExactUpTo150Distinct(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	for i := 1; i <= MaxValues; i++ {
		h.fold(fmt.Sprintf("lat:%d|h", i*7), fmt.Sprintf("lat:%d|h", i*7))
	}
	ds := h.closeAll()["lat{}"]
	require.Len(t, ds, 1, "one datum while every distinct value fits")
	require.Len(t, ds[0].Values, MaxValues)
	for i, x := range ds[0].Values {
		assert.Equal(t, float64((i+1)*7), x)
		assert.Equal(t, 2.0, ds[0].Counts[i])
	}
}

// Past MaxChunks datums of buckets, neighbours merge: the bound doubles in
// log space, (g²-1)/(g²+1) ~ 2%, and the StatisticSet stays exact.
func TestPercentiles_WiderThanChunksCoarsens(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	var samples []float64
	for e := -3.0; e <= 9; e += 0.004 {
		v := math.Pow(10, e)
		samples = append(samples, v)
		h.fold(fmt.Sprintf("lat:%g|d", v))
	}
	ds := h.closeAll()["lat{}"]
	require.Len(t, ds, MaxChunks)
	v := viewOf(t, ds)
	assert.Equal(t, float64(len(samples)), v.SampleCount)
	assert.Equal(t, samples[0], v.Minimum)
	assert.Equal(t, samples[len(samples)-1], v.Maximum)
	bound := (gamma*gamma - 1) / (gamma*gamma + 1)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		assert.InEpsilon(t, trueQuantile(samples, q), v.Percentile(q), bound+1e-12, "p%g", q*100)
	}
}

// Zero and negative values: zero is a point of its own, negatives mirror
// the positive buckets, and Sum, Minimum and Maximum stay exact. (CloudWatch
// serves no percentiles for a metric with negative values; its other
// statistics are right.)
func TestPercentiles_ZeroAndNegative(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	var samples []float64
	var sum float64
	for i := -300; i <= 300; i++ {
		v := float64(i) * 1.5
		samples = append(samples, v)
		sum += v
		h.fold(fmt.Sprintf("delta:%g|d", v))
	}
	v := viewOf(t, h.closeAll()["delta{}"])
	assert.Equal(t, fakecw.StatisticSet{SampleCount: 601, Sum: sum, Minimum: -450, Maximum: 450}, v.StatisticSet)
	assert.Contains(t, v.Values, 0.0)
	for _, q := range []float64{0.1, 0.25, 0.75, 0.9, 0.99} {
		truth := trueQuantile(samples, q)
		assert.InEpsilon(t, truth, v.Percentile(q), BucketAccuracy+1e-12, "p%g", q*100)
	}
}

// The first distinct values live in arrays, the rest in a map: repeats on
// either side of that line, any order and merges across readers all come
// out as one sorted point per value with its total weight.
func TestDistribution_ExactAcrossItsArraysAndMap(t *testing.T) {
	seqs := map[string][]float64{
		"within the arrays":            {3, 1, 3, 2},
		"repeats after the map starts": {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 9, 1, 0, -1, 9, -1},
		"150 distinct, descending, twice": func() (out []float64) {
			for range 2 {
				for i := MaxValues; i > 0; i-- {
					out = append(out, float64(i)/4)
				}
			}
			return out
		}(),
	}
	for name, seq := range seqs {
		t.Run(name, func(t *testing.T) {
			want := map[float64]float64{}
			var one, a, b distribution
			for i, v := range seq {
				want[v]++
				one.add(v, 1)
				if i%3 == 0 { // two readers' shares, merged
					a.add(v, 1)
				} else {
					b.add(v, 1)
				}
			}
			a.merge(&b)
			for _, d := range []*distribution{&one, &a} {
				ds := d.appendDatums(nil, Datum{}, &stats{})
				require.Len(t, ds, 1)
				require.Len(t, ds[0].Values, len(want))
				assert.True(t, slices.IsSorted(ds[0].Values))
				for i, v := range ds[0].Values {
					assert.Equal(t, want[v], ds[0].Counts[i], "weight of %g", v)
				}
			}
			one.reset()
			one.add(42, 2)
			ds := one.appendDatums(nil, Datum{}, &stats{})
			assert.Equal(t, []float64{42}, ds[0].Values, "reset forgets every value")
			assert.Equal(t, []float64{2}, ds[0].Counts)
		})
	}
}
