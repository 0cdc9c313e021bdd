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

// An idle gauge whose tags collide with metadata that arrived later, or
// that fill 30 dimensions, still repeats as a datum CloudWatch takes.
func TestReview_IdleGaugeAfterMetadataStaysValid(t *testing.T) {
	h := newRulesHarness(t, Rules{})
	var tags []string
	for i := range 30 {
		tags = append(tags, fmt.Sprintf("k%02d:v", i))
	}
	h.fold("q:1|g|#InstanceId:mine", "wide:1|g|#"+strings.Join(tags, ","))
	h.close()
	h.a.SetMetadata([]Dimension{{"InstanceId", "i-1"}, {"AvailabilityZone", "az"}})
	h.close() // the change applies from this period; both gauges are idle
	got := h.close()
	q, ok := got["q{AvailabilityZone=az,InstanceId=i-1}"]
	require.True(t, ok, "%v", keysOf(got))
	assert.Equal(t, 1.0, q.Stats.Sum)
	for _, d := range got {
		assert.LessOrEqual(t, len(d.Dimensions), MaxDimensions, d.Name)
		seen := map[string]bool{}
		for _, dm := range d.Dimensions {
			assert.False(t, seen[dm.Name], "%s repeats %s", d.Name, dm.Name)
			seen[dm.Name] = true
		}
	}
}

// A rollup set given twice (in any order) counts once.
func TestReview_RepeatedRollupSetCountsOnce(t *testing.T) {
	h := newRulesHarness(t, Rules{Rollups: []Rollup{{Metrics: "*", Dimensions: [][]string{{"a", "b"}, {"b", "a"}, {}, {}}}}})
	h.fold("m:1|c|#a:1,b:2,c:3")
	got := h.close()
	assert.Equal(t, 1.0, got["m{a=1,b=2}"].Stats.Sum)
	assert.Equal(t, 1.0, got["m{}"].Stats.Sum)
}

// A clock stepped back never reopens a period a reused table still knows
// positions of (it panicked with an index out of range).
func TestReview_ClockStepBack(t *testing.T) {
	h := &harness{t: t, now: t0}
	h.a = New(Options{Period: time.Second, Now: func() time.Time { return h.now }})
	h.fold("a:1|c", "b:1|c", "c:1|c")
	h.a.Close(t0.Add(time.Second))
	h.fold("c:1|c")
	h.a.Close(t0.Add(2 * time.Second))
	h.a.Close(t0.Add(1 * time.Second)) // stepped back 1s
	h.fold("a:1|c", "c:1|c")
	bs := h.a.Close(t0.Add(4 * time.Second))
	require.Len(t, bs, 1)
	assert.Equal(t, t0.Add(3*time.Second), bs[0].Start, "periods only move forward")
	assert.Len(t, bs[0].Datums, 2)
}

// The first lookup's metadata applies at once while nothing was folded.
func TestReview_FirstMetadataAppliesAtOnce(t *testing.T) {
	h := newRulesHarness(t, Rules{})
	l := h.a.NewFolder()
	h.a.SetMetadata([]Dimension{{"InstanceId", "i-1"}})
	s := mustParse(t, "m:1|c")
	l.Fold(&s)
	got := h.close()
	assert.Contains(t, got, "m{InstanceId=i-1}")
	assert.Len(t, got, 1)
}

// A metadata change keeps a metric's pinned unit.
func TestReview_MetadataChangeKeepsUnitPins(t *testing.T) {
	h := newRulesHarness(t, Rules{})
	h.fold("lat:5|ms")
	h.close()
	h.a.SetMetadata([]Dimension{{"InstanceId", "i-1"}})
	h.close()
	h.fold("lat:5|h")
	got := h.close()
	assert.Equal(t, UnitMilliseconds, got["lat{InstanceId=i-1}"].Unit)
	for range 4 {
		h.close()
	}
	assert.Empty(t, h.a.pins.m, "every pin is given back once the series are gone")
}

// With high-resolution rules the series cap holds over the whole minute.
func TestReview_HighResCapCountsTheMinute(t *testing.T) {
	h := &harness{t: t, now: t0.Add(time.Second)}
	h.a = New(Options{Period: time.Minute, HighResPeriod: 10 * time.Second, MaxSeries: 2,
		Rules: Rules{HighResolution: []string{"api.*"}}, Now: func() time.Time { return h.now }})
	var std []Batch
	for i := range 6 {
		h.fold(fmt.Sprintf("web.%d:1|c", i), fmt.Sprintf("web.%d:1|c", i+1))
		for _, b := range h.tick() {
			if b.Resolution == 60 {
				std = append(std, b)
			}
		}
	}
	require.Len(t, std, 1)
	assert.Len(t, std[0].Datums, 2, "the cap is per minute")
	assert.Equal(t, uint64(9), h.a.Drops.Get(sampleSeriesLimit))
}

// At shutdown an idle standard gauge repeats in the partial minute, as
// without high-resolution rules.
func TestReview_HighResShutdownRepeatsIdleGauges(t *testing.T) {
	h := newHighResHarness(t)
	h.fold("web.q:7|g")
	for range 6 {
		h.tick()
	}
	h.tick()
	got := h.a.close(h.now.Add(10*time.Second), true)
	require.Len(t, got, 1)
	q, ok := find(got[0], "web.q")
	require.True(t, ok)
	assert.Equal(t, 7.0, q.Stats.Sum)
}

func mustParse(t *testing.T, text string) line.Sample {
	t.Helper()
	var s line.Sample
	require.Equal(t, line.OK, line.Parse([]byte(text), &s))
	return s
}
