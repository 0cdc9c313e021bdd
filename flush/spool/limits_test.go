package spool

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaxBytes_DropsOldestFirst(t *testing.T) {
	c := &clock{t0}
	rec := dataFrameLen(2)
	s := openT(t, t.TempDir(), c, maxBytes(3*rec))
	for _, r := range []struct {
		sec  int
		data string
	}{{5, "e1"}, {1, "a1"}, {3, "c1"}, {2, "b1"}, {4, "d1"}} {
		appendT(t, s, t0.Add(time.Duration(r.sec)*time.Second), r.data)
	}
	// b1 and a1 were the oldest when room was needed; the new one always stays.
	assert.Equal(t, []string{"c1", "d1", "e1"}, contents(t, s))
	st := s.Stats()
	assert.Equal(t, uint64(2), st.DroppedFull)
	assert.Equal(t, 3*rec, st.Bytes)
	assert.Equal(t, map[string]uint64{"full": 2, "too_old": 0, "corrupt": 0}, st.Drops())

	s = reopen(t, s, c, maxBytes(3*rec))
	assert.Equal(t, []string{"c1", "d1", "e1"}, contents(t, s), "drops are durable")

	s = reopen(t, s, c, maxBytes(2*rec)) // lowered: Open trims
	assert.Equal(t, []string{"d1", "e1"}, contents(t, s))
	assert.Equal(t, uint64(1), s.Stats().DroppedFull)
	require.NoError(t, s.Close())
}

func TestMaxAge_DropsAtOpenAndOnTrim(t *testing.T) {
	c := &clock{t0}
	hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	withAge := func(o *Options) { o.MaxAge = 10 * time.Hour }
	s := openT(t, t.TempDir(), c, withAge)
	appendT(t, s, hour(-9), "-9")
	appendT(t, s, hour(-5), "-5")
	appendT(t, s, hour(0), "0")

	c.now = hour(2) // -9 is now 11h old
	s = reopen(t, s, c, withAge)
	assert.Equal(t, []string{"-5", "0"}, contents(t, s))
	assert.Equal(t, uint64(1), s.Stats().DroppedTooOld)

	c.now = hour(6) // -5 is now 11h old: the next Append trims it
	appendT(t, s, hour(6), "6")
	assert.Equal(t, []string{"0", "6"}, contents(t, s))
	assert.Equal(t, uint64(2), s.Stats().DroppedTooOld)

	s = reopen(t, s, c, withAge)
	defer s.Close()
	assert.Equal(t, []string{"0", "6"}, contents(t, s))
	assert.Zero(t, s.Stats().DroppedTooOld, "nothing left to drop: the drops were durable")
}
