package spool

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSpool_AppendAckReopen(t *testing.T) {
	c := &clock{t0}
	s := openT(t, t.TempDir(), c)
	a := appendT(t, s, t0, "a")
	b := appendT(t, s, t0.Add(time.Second), "b")
	cc := appendT(t, s, t0.Add(2*time.Second), "c")
	require.Less(t, a, b)
	require.Less(t, b, cc)
	require.NoError(t, s.Ack(b))
	require.NoError(t, s.Ack(b, 999)) // already acked, unknown: no-ops

	s = reopen(t, s, c)
	defer s.Close()
	assert.Equal(t, []string{"a", "c"}, contents(t, s))
	pend := s.Pending()
	assert.Equal(t, []ID{a, cc}, []ID{pend[0].ID, pend[1].ID})
	assert.True(t, pend[1].Time.Equal(t0.Add(2*time.Second)))
	_, err := s.Read(b)
	assert.ErrorIs(t, err, ErrNotFound)

	d := appendT(t, s, t0, "d")
	assert.Greater(t, d, cc, "IDs keep increasing across a restart")
	st := s.Stats()
	assert.Equal(t, 3, st.Records)
	assert.Equal(t, 3*dataFrameLen(1), st.Bytes)
	assert.Equal(t, 1, st.Segments)
	assert.Zero(t, st.Corrupt)
}

func TestSpool_IDsIncreaseWhenEverythingWasAcked(t *testing.T) {
	c := &clock{t0}
	s := openT(t, t.TempDir(), c, segmentBytes(100))
	var last ID
	for range 5 {
		last = appendT(t, s, t0, "0123456789012345678901234567890123456789")
		require.NoError(t, s.Ack(last))
	}
	s = reopen(t, s, c, segmentBytes(100))
	defer s.Close()
	assert.Empty(t, s.Pending())
	assert.Greater(t, appendT(t, s, t0, "x"), last)
}

func TestPending_OrderByTimeThenID(t *testing.T) {
	c := &clock{t0}
	s := openT(t, t.TempDir(), c)
	defer s.Close()
	for _, r := range []struct {
		sec  int
		data string
	}{{3, "3a"}, {1, "1a"}, {2, "2a"}, {1, "1b"}, {0, "0a"}, {3, "3b"}} {
		appendT(t, s, t0.Add(time.Duration(r.sec)*time.Second), r.data)
	}
	assert.Equal(t, []string{"0a", "1a", "1b", "2a", "3a", "3b"}, contents(t, s))
}

func TestSpool_ClosedRefusesCalls(t *testing.T) {
	s := openT(t, t.TempDir(), &clock{t0})
	id := appendT(t, s, t0, "a")
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err := s.Append(t0, nil)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, s.Ack(id), ErrClosed)
	_, err = s.Read(id)
	assert.ErrorIs(t, err, ErrClosed)
}

func TestOptions_Failure(t *testing.T) {
	f := func(o Options, want string) {
		t.Helper()
		_, err := Open(o)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
	}
	f(Options{}, "Options.Dir is empty")
	f(Options{Dir: t.TempDir(), MaxBytes: -1}, "MaxBytes is -1")
	f(Options{Dir: t.TempDir(), MaxAge: -time.Second}, "MaxAge is -1s")
	f(Options{Dir: t.TempDir(), SegmentBytes: -2}, "SegmentBytes is -2")
}

func TestAppend_Refuses(t *testing.T) {
	c := &clock{t0}
	s := openT(t, t.TempDir(), c, maxBytes(100))
	defer s.Close()
	f := func(at time.Time, n int, want error, text string) {
		t.Helper()
		_, err := s.Append(at, make([]byte, n))
		if want != nil {
			require.ErrorIs(t, err, want)
		}
		require.ErrorContains(t, err, text)
	}
	f(t0, 100, ErrTooLarge, "at most 100 bytes in all (MaxBytes) and 75 in one record; raise MaxBytes (the agent's flush.spool_max_bytes) or")
	f(t0.Add(-DefaultMaxAge-time.Second), 1, ErrTooOld, "older than MaxAge (336h0m0s, the agent's flush.max_age)")
	f(time.Time{}, 1, nil, "out of range")
	assert.Zero(t, s.Stats().DroppedFull+s.Stats().DroppedTooOld, "refusals are errors, not drops")
	_, err := s.Append(t0, make([]byte, 75))
	assert.NoError(t, err, "a record of exactly MaxBytes fits")
}

// One large record must not pin its buffer, whichever write it was in.
func TestSpool_LargeWritesDoNotKeepTheirBuffer(t *testing.T) {
	s := openT(t, t.TempDir(), &clock{t0}, segmentBytes(1<<20))
	defer s.Close()
	big := appendT(t, s, t0, strings.Repeat("b", 5<<20))
	assert.LessOrEqual(t, cap(s.buf), keepBuf, "after the Append")
	appendT(t, s, t0, "in the next file")
	require.Equal(t, s.segs[0], s.index[big].seg)
	require.NoError(t, s.compactOldest())
	require.NotEqual(t, s.segs[0], s.index[big].seg)
	assert.LessOrEqual(t, cap(s.buf), keepBuf, "after the compaction")
}
