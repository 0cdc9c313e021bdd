package aggregate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/ingest/line"
)

var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// harness folds lines at a settable time.
type harness struct {
	t   *testing.T
	now time.Time
	a   *Aggregator
}

func newHarness(t *testing.T, period, ttl time.Duration) *harness {
	h := &harness{t: t, now: t0.Add(5 * time.Second)}
	h.a = New(Options{Period: period, GaugeTTL: ttl, Now: func() time.Time { return h.now }})
	return h
}

func (h *harness) fold(lines ...string) {
	h.t.Helper()
	var s line.Sample
	for _, l := range lines {
		require.Equal(h.t, line.OK, line.Parse([]byte(l), &s), l)
		h.a.Fold(&s)
	}
}

// closeAll ends the period and returns its datums by "name{dims}", every
// datum of a series (a wide distribution takes several).
func (h *harness) closeAll() map[string][]Datum {
	h.t.Helper()
	h.now = h.now.Add(h.a.opts.Period)
	out := map[string][]Datum{}
	for _, b := range h.a.Close(h.now) {
		for _, d := range b.Datums {
			out[id(d)] = append(out[id(d)], d)
		}
	}
	return out
}

// close ends the period and returns its datums by "name{dims}".
func (h *harness) close() map[string]Datum {
	h.t.Helper()
	h.now = h.now.Add(h.a.opts.Period)
	batches := h.a.Close(h.now)
	out := map[string]Datum{}
	for _, b := range batches {
		for _, d := range b.Datums {
			out[id(d)] = d
		}
	}
	return out
}

func id(d Datum) string {
	var parts []string
	for _, dm := range d.Dimensions {
		parts = append(parts, dm.Name+"="+dm.Value)
	}
	return d.Name + "{" + strings.Join(parts, ",") + "}"
}

func TestFold_Counter(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("hits:1|c", "hits:2|c", "hits:3|c|@0.5", "hits:-1|c", "hits:0.25|c|@0.25")
	d := h.close()["hits{}"]
	assert.Equal(t, UnitCount, d.Unit)
	assert.Equal(t, StatisticSet{SampleCount: 1 + 1 + 2 + 1 + 4, Sum: 1 + 2 + 6 - 1 + 1, Minimum: -1, Maximum: 3}, d.Stats)
	assert.False(t, d.HasValue)
	assert.Nil(t, d.Values)
}

func TestFold_GaugeDeltasPersistAndRepeat(t *testing.T) {
	h := newHarness(t, time.Minute, 3*time.Minute)
	h.fold("temp:10|g", "temp:+5|g", "temp:-3|g|@0.1")
	d := h.close()["temp{}"]
	assert.Equal(t, UnitNone, d.Unit)
	assert.Equal(t, StatisticSet{SampleCount: 3, Sum: 10 + 15 + 12, Minimum: 10, Maximum: 15}, d.Stats)

	h.fold("temp:+1|g") // the delta base outlives the period
	assert.Equal(t, StatisticSet{SampleCount: 1, Sum: 13, Minimum: 13, Maximum: 13}, h.close()["temp{}"].Stats)

	// idle: repeated for the TTL (3 periods after the last set), then forgotten
	for i := range 2 {
		assert.Equal(t, StatisticSet{SampleCount: 1, Sum: 13, Minimum: 13, Maximum: 13}, h.close()["temp{}"].Stats, "idle period %d", i)
	}
	assert.NotContains(t, h.close(), "temp{}")
	assert.Zero(t, h.a.gauges.len())
	h.fold("temp:+2|g") // forgotten: the base is 0 again
	assert.Equal(t, 2.0, h.close()["temp{}"].Stats.Sum)
}

func TestFold_GaugeTTLZeroNeverRepeats(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("temp:7|g")
	require.Contains(t, h.close(), "temp{}")
	assert.Empty(t, h.close())
}

func TestFold_Set(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("users:alice|s", "users:bob|s", "users:alice|s", "users:carol:alice|s|@0.5")
	d := h.close()["users{}"]
	assert.True(t, d.HasValue)
	assert.Equal(t, 3.0, d.Value)
	assert.Equal(t, UnitCount, d.Unit)
	h.fold("users:alice|s")
	assert.Equal(t, 1.0, h.close()["users{}"].Value, "sets are counted per period")
}

func TestFold_TimerExact(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("lat:10|ms", "lat:20|ms", "lat:10|ms", "lat:5:30|ms|@0.5")
	d := h.close()["lat{}"]
	assert.Equal(t, UnitMilliseconds, d.Unit)
	assert.Equal(t, StatisticSet{SampleCount: 7, Sum: 10 + 20 + 10 + 10 + 60, Minimum: 5, Maximum: 30}, d.Stats)
	assert.Equal(t, []float64{5, 10, 20, 30}, d.Values)
	assert.Equal(t, []float64{2, 2, 1, 2}, d.Counts)
}

func TestFold_HistogramAndDistributionUnits(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("size:100|h", "req:0.5|d")
	got := h.close()
	assert.Equal(t, UnitNone, got["size{}"].Unit)
	assert.Equal(t, UnitNone, got["req{}"].Unit)
	assert.Equal(t, []float64{0.5}, got["req{}"].Values)
}

func TestFold_TagsBecomeSortedDimensions(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("req:1|c|#svc:api,env:prod", "req:1|c|#env:prod,svc:api", "req:1|c|#env:dev", "req:1|c")
	got := h.close()
	assert.Equal(t, 2.0, got["req{env=prod,svc=api}"].Stats.Sum, "tag order is not identity")
	assert.Equal(t, 1.0, got["req{env=dev}"].Stats.Sum)
	assert.Equal(t, 1.0, got["req{}"].Stats.Sum)
	assert.Len(t, got, 3)
}

func TestFold_TypeIsPartOfTheSeries(t *testing.T) {
	h := newHarness(t, time.Minute, 0)
	h.fold("x:1|c", "x:5|g")
	got := h.a.Close(t0.Add(time.Minute))
	require.Len(t, got, 1)
	assert.Len(t, got[0].Datums, 2)
}

func TestDimensions_Rules(t *testing.T) {
	f := func(raw string, want []string, fixes map[string]uint64) {
		t.Helper()
		h := newHarness(t, time.Minute, 0)
		h.fold("m:1|c|#" + raw)
		var d Datum
		for _, v := range h.close() {
			d = v
		}
		got := []string{}
		for _, dm := range d.Dimensions {
			got = append(got, dm.Name+"="+dm.Value)
		}
		assert.Equal(t, want, got, raw)
		assert.Equal(t, fixes, h.a.TagFixes.Snapshot(), raw)
	}
	f("a:1,b:2", []string{"a=1", "b=2"}, map[string]uint64{})
	f("url:http://x:80/", []string{"url=http://x:80/"}, map[string]uint64{})
	f("canary,a:1", []string{"a=1"}, map[string]uint64{"bare_tag": 1})
	f("a:,b:2", []string{"b=2"}, map[string]uint64{"empty_value": 1})
	f(":x,b:2", []string{"b=2"}, map[string]uint64{"bad_name": 1})
	f("::x,b:2", []string{"b=2"}, map[string]uint64{"bad_name": 1})
	f(strings.Repeat("k", 256)+":v,b:2", []string{"b=2"}, map[string]uint64{"bad_name": 1})
	f("a:2,a:1,a:3", []string{"a=1"}, map[string]uint64{"duplicate_name": 2})
	f("a:1,,b:2,", []string{"a=1", "b=2"}, map[string]uint64{})
	f("a:"+strings.Repeat("é", 600), []string{"a=" + strings.Repeat("é", 512)}, map[string]uint64{"value_truncated": 1})
	f("a:x"+strings.Repeat("é", 600), []string{"a=x" + strings.Repeat("é", 511)}, map[string]uint64{"value_truncated": 1})

	var many, want []string
	for i := range 40 {
		many = append(many, fmt.Sprintf("k%02d:v", 39-i))
	}
	for i := range 30 {
		want = append(want, fmt.Sprintf("k%02d=v", i))
	}
	f(strings.Join(many, ","), want, map[string]uint64{"too_many_dimensions": 1})
}

func TestFold_TimestampLandsInItsPeriod(t *testing.T) {
	h := newHarness(t, 10*time.Second, 0)
	old := t0.Add(-time.Hour + 3*time.Second)
	h.fold(fmt.Sprintf("late:1|c|T%d", old.Unix()), "now:1|c",
		fmt.Sprintf("future:1|c|T%d", t0.Add(time.Hour).Unix()),
		fmt.Sprintf("ancient:1|c|T%d", t0.Add(-15*24*time.Hour).Unix()))
	h.now = h.now.Add(10 * time.Second)
	batches := h.a.Close(h.now)
	require.Len(t, batches, 2)
	assert.Equal(t, t0.Add(-time.Hour), batches[0].Start, "past period first, aligned")
	assert.Equal(t, "late", batches[0].Datums[0].Name)
	assert.Equal(t, t0, batches[1].Start)
	assert.Len(t, batches[1].Datums, 2, "a future timestamp is clamped to the open period")
	assert.Equal(t, 1, batches[1].Resolution)
	assert.Equal(t, uint64(1), h.a.Drops.Get(sampleTooOld))
}

func TestFold_NoAllocsForKnownSeries(t *testing.T) {
	h := newHarness(t, time.Minute, time.Minute)
	lines := []string{
		"api.requests:1|c|#env:prod,svc:api,az:use1a",
		"api.temp:+3|g|#env:prod",
		"api.users:alice|s",
		"api.latency:12|ms|@0.5|#svc:api,env:prod",
	}
	samples := make([]line.Sample, len(lines))
	for i, l := range lines {
		require.Equal(t, line.OK, line.Parse([]byte(l), &samples[i]))
		h.a.Fold(&samples[i])
	}
	allocs := testing.AllocsPerRun(200, func() {
		for i := range samples {
			h.a.Fold(&samples[i])
		}
	})
	assert.Zero(t, allocs)
}
