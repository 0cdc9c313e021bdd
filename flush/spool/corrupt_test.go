package spool

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// layout writes a spool with the given steps and returns its single segment
// file's name and bytes.
func layout(t *testing.T, steps func(s *Spool)) (name string, seg []byte) {
	t.Helper()
	dir := t.TempDir()
	s := openT(t, dir, &clock{t0})
	steps(s)
	require.Len(t, s.segs, 1)
	require.NoError(t, s.Close())
	name = segmentFiles(t, dir)[0]
	seg, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	return name, seg
}

// lastFrameStart finds where the last frame of a valid segment starts.
func lastFrameStart(t *testing.T, seg []byte) int64 {
	t.Helper()
	off := int64(headerLen)
	for {
		h := parseFrameHead(seg[off:])
		next := off + frameHeadLen + h.len
		if next == int64(len(seg)) {
			return off
		}
		require.Less(t, next, int64(len(seg)))
		off = next
	}
}

func TestOpen_TornTailIsTruncated(t *testing.T) {
	for _, tc := range []struct {
		name  string
		steps func(s *Spool)
		want  []string // after the last frame is torn
	}{
		{"data frame", func(s *Spool) {
			appendT(t, s, t0, "a")
			appendT(t, s, t0.Add(time.Second), "b")
			appendT(t, s, t0.Add(2*time.Second), "the last record, torn somewhere")
		}, []string{"a", "b"}},
		{"ack frame", func(s *Spool) {
			appendT(t, s, t0, "a")
			require.NoError(t, s.Ack(appendT(t, s, t0.Add(time.Second), "b")))
		}, []string{"a", "b"}}, // the Ack never returned: b is replayed
	} {
		t.Run(tc.name, func(t *testing.T) {
			name, seg := layout(t, tc.steps)
			start := lastFrameStart(t, seg)
			for cut := start; cut < int64(len(seg)); cut++ {
				dir := t.TempDir()
				path := filepath.Join(dir, name)
				require.NoError(t, os.WriteFile(path, seg[:cut], 0o600))
				c := &clock{t0}
				s := openT(t, dir, c)
				assert.Equal(t, tc.want, contents(t, s), "cut at %d", cut)
				st := s.Stats()
				if cut == start {
					assert.Zero(t, st.Corrupt, "a cut between frames tears nothing")
				} else {
					assert.Equal(t, uint64(1), st.Corrupt, "cut at %d", cut)
					assert.Equal(t, cut-start, st.CorruptBytes, "cut at %d", cut)
				}
				assert.Equal(t, start, fileSize(t, path), "the torn tail is truncated away")

				appendT(t, s, t0.Add(time.Hour), "after")
				s = reopen(t, s, c)
				assert.Equal(t, append(append([]string{}, tc.want...), "after"), contents(t, s), "cut at %d", cut)
				assert.Zero(t, s.Stats().Corrupt, "cut at %d", cut)
				require.NoError(t, s.Close())
			}
		})
	}
}

func TestOpen_TornHeaderStartsTheFileOver(t *testing.T) {
	name, seg := segmentName(7), segmentHeader()
	for cut := range headerLen {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), seg[:cut], 0o600))
		c := &clock{t0}
		s := openT(t, dir, c)
		assert.Empty(t, s.Pending())
		assert.Equal(t, int64(cut), s.Stats().CorruptBytes)
		appendT(t, s, t0, "x")
		s = reopen(t, s, c)
		assert.Equal(t, []string{"x"}, contents(t, s))
		assert.Equal(t, ID(7), s.Pending()[0].ID, "the name still carries the next ID")
		require.NoError(t, s.Close())
	}
}

func TestOpen_FlippedByteIsCaughtByCRC(t *testing.T) {
	var bStart, bEnd int64
	name, seg := layout(t, func(s *Spool) {
		appendT(t, s, t0, "a")
		b := appendT(t, s, t0.Add(time.Second), "bbbbbbbbbbbbbbbb")
		appendT(t, s, t0.Add(2*time.Second), "c")
		bStart, bEnd = s.index[b].off, s.index[b].off+s.index[b].size
	})
	for i := bStart; i < bEnd; i++ {
		dir := t.TempDir()
		bad := append([]byte{}, seg...)
		bad[i] ^= 0xff
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), bad, 0o600))
		s := openT(t, dir, &clock{t0})
		// The length of b cannot be trusted, so c goes with it: no resync.
		assert.Equal(t, []string{"a"}, contents(t, s), "byte %d flipped", i)
		assert.Equal(t, uint64(1), s.Stats().Corrupt, "byte %d flipped", i)
		assert.Equal(t, int64(len(seg))-bStart, s.Stats().CorruptBytes)
		require.NoError(t, s.Close())
	}
}

func TestOpen_CorruptionInAnEarlierSegmentSkipsItsRest(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(100))
	a := appendT(t, s, t0, "aaaaaaaaaaaaaaaaaaaa")
	appendT(t, s, t0.Add(1*time.Second), "bbbbbbbbbbbbbbbbbbbb")
	appendT(t, s, t0.Add(2*time.Second), "cccccccccccccccccccc") // rotates
	appendT(t, s, t0.Add(3*time.Second), "dddddddddddddddddddd")
	first := s.segs[0]
	require.Len(t, s.segs, 2)
	off := s.index[a].off
	require.NoError(t, s.Close())

	b, err := os.ReadFile(first.path)
	require.NoError(t, err)
	b[off+frameHeadLen+3] ^= 1 // in a's ID
	require.NoError(t, os.WriteFile(first.path, b, 0o600))

	s = openT(t, dir, c, segmentBytes(100))
	defer s.Close()
	assert.Equal(t, []string{"cccccccccccccccccccc", "dddddddddddddddddddd"}, contents(t, s))
	assert.Equal(t, uint64(1), s.Stats().Corrupt)
	assert.Equal(t, int64(len(b))-off, s.Stats().CorruptBytes)
	assert.NoFileExists(t, first.path, "nothing live was left in it")
}

func TestOpen_NewerVersionIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	newer := append(append([]byte(magic), version+1), "frames we cannot read"...)
	path := filepath.Join(dir, segmentName(5))
	require.NoError(t, os.WriteFile(path, newer, 0o600))
	s := openT(t, dir, c)
	assert.Equal(t, uint64(1), s.Stats().Corrupt)
	assert.Equal(t, int64(len(newer)), s.Stats().CorruptBytes)
	assert.Zero(t, s.Stats().Segments)
	id := appendT(t, s, t0, "a")
	assert.Greater(t, id, ID(5))
	require.NoError(t, s.Ack(id))
	appendT(t, s, t0, "b")

	s = reopen(t, s, c)
	defer s.Close()
	assert.Equal(t, []string{"b"}, contents(t, s))
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, newer, got, "never truncated or deleted")
	assert.Equal(t, []string{segmentName(5), segmentName(uint64(id))}, segmentFiles(t, dir))
}

func TestRead_CorruptedAfterOpen(t *testing.T) {
	s := openT(t, t.TempDir(), &clock{t0})
	defer s.Close()
	id := appendT(t, s, t0, "payload")
	e := s.index[id]
	damage(t, e)
	_, err := s.Read(id)
	require.ErrorIs(t, err, ErrCorrupt)
	require.ErrorContains(t, err, e.seg.path)
	require.NoError(t, s.Ack(id), "acking drops it")
}
