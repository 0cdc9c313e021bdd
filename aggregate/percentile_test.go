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
)

// cloudWatchView is what CloudWatch makes of one series' datums in one
// period: the StatisticSets merged (counts and sums added, min of minimums,
// max of maximums) and every Values/Counts point pooled. Percentiles are
// then the nearest rank over the pooled, weighted points.
type cloudWatchView struct {
	stats          StatisticSet
	values, counts []float64
}

func viewOf(t *testing.T, ds []Datum) cloudWatchView {
	t.Helper()
	require.NotEmpty(t, ds)
	v := cloudWatchView{stats: StatisticSet{Minimum: math.Inf(1), Maximum: math.Inf(-1)}}
	type pt struct{ v, c float64 }
	var pts []pt
	for _, d := range ds {
		require.LessOrEqual(t, len(d.Values), MaxValues, "CloudWatch takes at most 150 values per datum")
		require.Len(t, d.Counts, len(d.Values))
		require.True(t, sort.Float64sAreSorted(d.Values))
		var n float64
		for i, x := range d.Values {
			require.True(t, x >= d.Stats.Minimum && x <= d.Stats.Maximum, "value %g outside its datum's [%g, %g]", x, d.Stats.Minimum, d.Stats.Maximum)
			n += d.Counts[i]
			pts = append(pts, pt{x, d.Counts[i]})
		}
		require.InDelta(t, d.Stats.SampleCount, n, 1e-9, "a datum's SampleCount is its points' weight")
		if n > 0 {
			mean := d.Stats.Sum / n
			require.True(t, mean >= d.Stats.Minimum*(1-1e-12)-1e-12 && mean <= d.Stats.Maximum*(1+1e-12)+1e-12,
				"mean %g outside [%g, %g]", mean, d.Stats.Minimum, d.Stats.Maximum)
		}
		v.stats.SampleCount += d.Stats.SampleCount
		v.stats.Sum += d.Stats.Sum
		v.stats.Minimum = math.Min(v.stats.Minimum, d.Stats.Minimum)
		v.stats.Maximum = math.Max(v.stats.Maximum, d.Stats.Maximum)
	}
	slices.SortStableFunc(pts, func(a, b pt) int { return cmpFloat(a.v, b.v) })
	for _, p := range pts {
		v.values, v.counts = append(v.values, p.v), append(v.counts, p.c)
	}
	return v
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
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
	assert.Equal(t, 100_000.0, v.stats.SampleCount)
	assert.Equal(t, samples[0], v.stats.Minimum)
	assert.Equal(t, samples[len(samples)-1], v.stats.Maximum)
	assert.InEpsilon(t, sum, v.stats.Sum, 1e-12)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		truth, got := trueQuantile(samples, q), quantile(v.values, v.counts, q)
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
	assert.Equal(t, 8000.0, v.stats.SampleCount)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		assert.InEpsilon(t, trueQuantile(samples, q), quantile(v.values, v.counts, q), BucketAccuracy+1e-12, "p%g", q*100)
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
	assert.Equal(t, float64(len(samples)), v.stats.SampleCount)
	assert.Equal(t, samples[0], v.stats.Minimum)
	assert.Equal(t, samples[len(samples)-1], v.stats.Maximum)
	bound := (gamma*gamma - 1) / (gamma*gamma + 1)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		assert.InEpsilon(t, trueQuantile(samples, q), quantile(v.values, v.counts, q), bound+1e-12, "p%g", q*100)
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
	assert.Equal(t, StatisticSet{SampleCount: 601, Sum: sum, Minimum: -450, Maximum: 450}, v.stats)
	assert.Contains(t, v.values, 0.0)
	for _, q := range []float64{0.1, 0.25, 0.75, 0.9, 0.99} {
		truth := trueQuantile(samples, q)
		assert.InEpsilon(t, truth, quantile(v.values, v.counts, q), BucketAccuracy+1e-12, "p%g", q*100)
	}
}
