package aggregate

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/ingest/line"
)

func foldInto(t *testing.T, f interface{ Fold(*line.Sample) }, lines ...string) {
	t.Helper()
	var s line.Sample
	for _, l := range lines {
		require.Equal(t, line.OK, line.Parse([]byte(l), &s), l)
		f.Fold(&s)
	}
}

// Two readers that saw parts of the same series publish one exact datum.
func TestLocals_MergeAtClose(t *testing.T) {
	h := newHarness(t, time.Minute, time.Hour)
	r1, r2 := h.a.NewFolder(), h.a.NewFolder()
	foldInto(t, r1, "hits:1|c|#env:prod", "lat:10|ms", "users:a|s", "users:b|s", "temp:10|g")
	foldInto(t, r2, "hits:2|c|#env:prod", "lat:10:30|ms", "users:b|s", "users:c|s", "temp:+5|g")
	foldInto(t, h.a, "hits:4|c|#env:prod")
	got := h.close()
	assert.Equal(t, StatisticSet{SampleCount: 3, Sum: 7, Minimum: 1, Maximum: 4}, got["hits{env=prod}"].Stats)
	assert.Equal(t, StatisticSet{SampleCount: 3, Sum: 50, Minimum: 10, Maximum: 30}, got["lat{}"].Stats)
	assert.Equal(t, []float64{10, 30}, got["lat{}"].Values)
	assert.Equal(t, []float64{2, 1}, got["lat{}"].Counts)
	assert.Equal(t, 3.0, got["users{}"].Value, "set members are a union")
	assert.Equal(t, StatisticSet{SampleCount: 2, Sum: 25, Minimum: 10, Maximum: 15}, got["temp{}"].Stats,
		"a gauge's delta base is shared by readers")
	assert.Len(t, got, 4)
}

func TestLocals_ConcurrentReadersAreExact(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	const readers, lines = 4, 5000
	var wg sync.WaitGroup
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := h.a.NewFolder()
			var s line.Sample
			for i := range lines {
				line.Parse(fmt.Appendf(nil, "c%d:1|c|#r:%d", i%10, r%2), &s)
				f.Fold(&s)
				line.Parse([]byte("g:+1|g"), &s)
				f.Fold(&s)
			}
		}()
	}
	wg.Wait()
	got := h.close()
	var total float64
	for i := range 10 {
		for r := range 2 {
			total += got[fmt.Sprintf("c%d{r=%d}", i, r)].Stats.Sum
		}
	}
	assert.Equal(t, float64(readers*lines), total)
	assert.Equal(t, float64(readers*lines), got["g{}"].Stats.Maximum, "lock-free deltas lose nothing")
}

func TestRawForms_ResolveToOneSeries(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("req:1|c|#a:1,b:2", "req:1|c|#b:2,a:1", "req:1|c|#a:1,b:2,a:3", "req:1|c|#a:1,b:2,canary", "req:1|c|#a:1,,b:2")
	got := h.close()
	require.Len(t, got, 1)
	assert.Equal(t, 5.0, got["req{a=1,b=2}"].Stats.Sum)
}

func TestMaxSeries_CapsNewSeriesOnly(t *testing.T) {
	h := &harness{t: t, now: t0.Add(5 * time.Second)}
	h.a = New(Options{Period: time.Minute, MaxSeries: 3, Now: func() time.Time { return h.now }})
	h.fold("a:1|c", "b:1|c", "c:1|c", "d:1|c", "a:1|c", "e:1|c", "b:1|c")
	assert.Equal(t, int64(3), h.a.Series())
	got := h.close()
	assert.Len(t, got, 3)
	assert.Equal(t, 2.0, got["a{}"].Stats.Sum, "existing series keep working")
	assert.Equal(t, uint64(2), h.a.Drops.Get(sampleSeriesLimit))
	h.fold("d:1|c")
	assert.Contains(t, h.close(), "d{}", "the cap is per period")
}

// A series two readers fold is one series for the cap: neither reader's
// samples of it are dropped.
func TestMaxSeries_CountsASeriesOnceAcrossReaders(t *testing.T) {
	h := &harness{t: t, now: t0.Add(5 * time.Second)}
	h.a = New(Options{Period: time.Minute, MaxSeries: 2, Now: func() time.Time { return h.now }})
	r1, r2 := h.a.NewFolder(), h.a.NewFolder()
	foldInto(t, r1, "a:1|c", "b:1|c")
	foldInto(t, r2, "b:2|c", "a:2|c", "c:1|c")
	assert.Equal(t, int64(2), h.a.Series())
	got := h.close()
	assert.Equal(t, 3.0, got["a{}"].Stats.Sum)
	assert.Equal(t, 3.0, got["b{}"].Stats.Sum)
	assert.NotContains(t, got, "c{}")
	assert.Equal(t, uint64(1), h.a.Drops.Get(sampleSeriesLimit), "only the third series")
	assert.Zero(t, h.a.Series(), "counted per period")
}

func TestIdentities_ForgottenAfterTwoIdlePeriods(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("burst.1:1|c", "burst.2:1|c", "steady:1|c")
	h.close()
	h.fold("steady:1|c")
	h.close()
	assert.Len(t, h.a.def.ids, 3)
	h.fold("steady:1|c")
	h.close()
	assert.Len(t, h.a.def.ids, 1, "only the live series keeps its identity")
}

// A new period allocates its table (the index and entries grow by
// doubling: a few dozen allocations, however many series) but reuses the
// identities, the distributions and the member sets: nothing per series.
func TestSteadyState_AllocsPerPeriodDoNotGrowWithSeries(t *testing.T) {
	for _, n := range []int{100, 3_000} {
		h := newHarness(t, time.Minute, 0)
		var samples []line.Sample
		for i := range n {
			for _, f := range []string{"m%d:1|c|#env:prod", "t%d:1:2:3|ms", "s%d:a:b|s"} {
				var s line.Sample
				require.Equal(t, line.OK, line.Parse(fmt.Appendf(nil, f, i), &s))
				samples = append(samples, s)
			}
		}
		for range 2 { // warm the identities, the distributions and the sets
			for i := range samples {
				h.a.Fold(&samples[i])
			}
			h.close()
		}
		l, start := h.a.def, h.a.def.cur.start
		allocs := testing.AllocsPerRun(10, func() {
			start += 60 // a new period: every series takes the slow path once
			cur, _ := l.swap(start, l.op)
			l.recycle(cur, 0)
			for i := range samples {
				h.a.Fold(&samples[i])
			}
		})
		t.Logf("%d series: %.0f allocs", 3*n, allocs)
		assert.Less(t, allocs, 60.0, "%d series: a period allocates its table only", 3*n)
	}
}

// A reload changes the cap and the gauge TTL of a running Aggregator.
func TestSetLimits_TakeEffectLive(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.a.SetLimits(2, 0)
	h.fold("a:1|c", "b:1|c", "c:1|c")
	assert.Len(t, h.close(), 2, "a lower cap refuses new series")
	h.a.SetLimits(0, 2*time.Minute)
	h.fold("a:1|c", "b:1|c", "c:1|c", "temp:7|g")
	assert.Len(t, h.close(), 4, "0 lifts the cap")
	assert.Equal(t, 7.0, h.close()["temp{}"].Stats.Sum, "the new TTL repeats an idle gauge")
}
