package aggregate

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newHighResHarness(t *testing.T) *harness {
	h := &harness{t: t, now: t0.Add(time.Second)}
	h.a = New(Options{Period: time.Minute, HighResPeriod: 10 * time.Second, GaugeTTL: 5 * time.Minute,
		Rules: Rules{HighResolution: []string{"api.*"}}, Now: func() time.Time { return h.now }})
	return h
}

// tick ends the open 10s period and returns its batches.
func (h *harness) tick() []Batch {
	h.now = h.now.Add(10 * time.Second)
	return h.a.Close(h.now)
}

// find returns the datum of name in b.
func find(b Batch, name string) (Datum, bool) {
	for _, d := range b.Datums {
		if d.Name == name {
			return d, true
		}
	}
	return Datum{}, false
}

func TestHighRes_PerPattern(t *testing.T) {
	h := newHighResHarness(t)
	var standard []Batch
	for i := range 6 {
		h.fold(fmt.Sprintf("api.lat:%d|ms", 10*(i+1)), "web.req:1|c", fmt.Sprintf("web.lat:%d|ms", i+1))
		if i == 0 {
			h.fold("api.q:5|g", "web.q:7|g")
		}
		bs := h.tick()
		var hi *Batch
		for j := range bs {
			if bs[j].Resolution == 1 {
				hi = &bs[j]
			} else {
				standard = append(standard, bs[j])
			}
		}
		require.NotNil(t, hi, "tick %d", i)
		assert.Equal(t, t0.Add(time.Duration(i)*10*time.Second), hi.Start, "aligned to 10s")
		lat, ok := find(*hi, "api.lat")
		require.True(t, ok)
		assert.Equal(t, StatisticSet{SampleCount: 1, Sum: float64(10 * (i + 1)), Minimum: float64(10 * (i + 1)), Maximum: float64(10 * (i + 1))}, lat.Stats)
		q, ok := find(*hi, "api.q")
		require.True(t, ok, "a high-resolution gauge repeats every tick")
		assert.Equal(t, 5.0, q.Stats.Sum)
		_, ok = find(*hi, "web.req")
		assert.False(t, ok, "standard series wait for their minute")
		if i < 5 {
			assert.Empty(t, standard, "tick %d", i)
		}
	}
	require.Len(t, standard, 1, "one standard batch when the minute ends")
	b := standard[0]
	assert.Equal(t, t0, b.Start)
	assert.Equal(t, 60, b.Resolution)
	req, _ := find(b, "web.req")
	assert.Equal(t, StatisticSet{SampleCount: 6, Sum: 6, Minimum: 1, Maximum: 1}, req.Stats)
	lat, _ := find(b, "web.lat")
	assert.Equal(t, StatisticSet{SampleCount: 6, Sum: 21, Minimum: 1, Maximum: 6}, lat.Stats)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6}, lat.Values)
	q, _ := find(b, "web.q")
	assert.Equal(t, StatisticSet{SampleCount: 1, Sum: 7, Minimum: 7, Maximum: 7}, q.Stats, "set once in the minute")

	// The next minute: the standard gauge is idle and repeats once, not six times.
	for range 6 {
		for _, b := range h.tick() {
			if b.Resolution == 60 {
				standard = append(standard, b)
			}
		}
	}
	require.Len(t, standard, 2)
	q, ok := find(standard[1], "web.q")
	require.True(t, ok)
	assert.Equal(t, StatisticSet{SampleCount: 1, Sum: 7, Minimum: 7, Maximum: 7}, q.Stats)
	assert.Equal(t, t0.Add(time.Minute), standard[1].Start)
}

// At shutdown the minute still gathering goes out with the last tick.
func TestHighRes_ShutdownSendsThePartialMinute(t *testing.T) {
	h := newHighResHarness(t)
	h.fold("web.req:2|c", "api.req:1|c")
	h.tick()
	h.fold("web.req:3|c")
	got := h.a.close(h.now.Add(10*time.Second), true)
	require.Len(t, got, 1, "api.req was idle; only the standard batch")
	assert.Equal(t, 60, got[0].Resolution)
	req, _ := find(got[0], "web.req")
	assert.Equal(t, 5.0, req.Stats.Sum)
}

// A |T sample of a standard series in an ended minute goes out with the next
// Close, in a batch of its own minute.
func TestHighRes_TimestampInAnEndedMinute(t *testing.T) {
	h := newHighResHarness(t)
	h.fold(fmt.Sprintf("web.req:4|c|T%d", t0.Add(-time.Minute+15*time.Second).Unix()),
		fmt.Sprintf("api.req:4|c|T%d", t0.Add(-time.Minute+15*time.Second).Unix()))
	bs := h.tick()
	require.Len(t, bs, 2)
	assert.Equal(t, t0.Add(-time.Minute+10*time.Second), bs[0].Start, "the high-resolution sample's own 10s")
	assert.Equal(t, 1, bs[0].Resolution)
	assert.Equal(t, t0.Add(-time.Minute), bs[1].Start, "the standard sample's minute")
	assert.Equal(t, 60, bs[1].Resolution)
}

// Without high-resolution rules the clock is the standard period.
func TestHighRes_NoRulesNoSplit(t *testing.T) {
	a := New(Options{Period: time.Minute, HighResPeriod: 10 * time.Second, Now: func() time.Time { return t0 }})
	assert.Equal(t, time.Minute, a.tick)
	assert.Nil(t, a.gather)
}
