package spool

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAck_RemovesFullyAckedSegments(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(200))
	var ids []ID
	for i := range 20 {
		ids = append(ids, appendT(t, s, t0.Add(time.Duration(i)), fmt.Sprintf("record %02d with some padding", i)))
	}
	require.Greater(t, len(segmentFiles(t, dir)), 5)
	require.NoError(t, s.Ack(ids[:19]...))
	assert.Equal(t, []string{"record 19 with some padding"}, contents(t, s))
	assert.Len(t, segmentFiles(t, dir), 2, "left: the segment of the live record and the one the ack frame opened")
	assert.Equal(t, 2, s.Stats().Segments)

	require.NoError(t, s.Ack(ids[19]))
	assert.Len(t, segmentFiles(t, dir), 1, "the active segment stays: its name carries the next ID")
	assert.Equal(t, fileSize(t, filepath.Join(dir, segmentFiles(t, dir)[0])), s.Stats().DiskBytes)
	require.NoError(t, s.Close())
}

func TestOpen_RemovesFullyAckedSegments(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(120))
	a := appendT(t, s, t0, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
	b := appendT(t, s, t0, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")
	appendT(t, s, t0, "cccccccccccccccccccccccccccccc")
	require.Len(t, s.segs, 2)
	first := s.segs[0].path
	orig, err := os.ReadFile(first)
	require.NoError(t, err)
	require.NoError(t, s.Ack(a, b))
	require.NoFileExists(t, first)
	names := segmentFiles(t, dir)
	require.NoError(t, s.Close())

	// Put back the first file as if its deletion had not reached the disk.
	require.NoError(t, os.WriteFile(first, orig, 0o600))
	s = openT(t, dir, c, segmentBytes(120))
	defer s.Close()
	assert.Equal(t, []string{"cccccccccccccccccccccccccccccc"}, contents(t, s))
	assert.NoFileExists(t, first, "Open removes it again")
	assert.Equal(t, names, segmentFiles(t, dir))
}

// A segment whose acks are needed (they ack records of an older file that
// still exists) stays even when all of its own records are acked.
func TestCollect_KeepsAcksThatAreStillNeeded(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	seg := segmentBytes(110) // two small records a segment
	s := openT(t, dir, c, seg)
	a := appendT(t, s, t0, "a-lives-long")
	b := appendT(t, s, t0, "b")
	d := appendT(t, s, t0, "d-in-segment-two")
	require.NoError(t, s.Ack(b, d)) // acks in segment 2 pin it: b's file still exists (a)
	e := appendT(t, s, t0, "e-in-segment-three")
	require.NoError(t, s.Ack(e))
	require.Len(t, s.segs, 3)
	assert.Equal(t, 1, s.segs[1].pins)

	s = reopen(t, s, c, seg)
	assert.Equal(t, []string{"a-lives-long"}, contents(t, s), "b is not replayed")
	require.NoError(t, s.Ack(a))
	assert.Len(t, s.segs, 1)
	s = reopen(t, s, c, seg)
	defer s.Close()
	assert.Empty(t, s.Pending())
}

// TestSpool_Model runs random appends, acks and restarts against a map.
func TestSpool_Model(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	opts := []func(*Options){segmentBytes(300), maxBytes(1 << 20)}
	s := openT(t, dir, c, opts...)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[ID]string{}
	for i := range 3000 {
		switch r := rng.IntN(100); {
		case r < 50:
			data := fmt.Sprintf("r%d-%s", i, make([]byte, rng.IntN(60)))
			want[appendT(t, s, t0.Add(time.Duration(rng.IntN(1000))), data)] = data
		case r < 97:
			var ack []ID
			for id := range want {
				if rng.IntN(3) == 0 {
					ack = append(ack, id)
					delete(want, id)
				}
				if len(ack) == 3 {
					break
				}
			}
			require.NoError(t, s.Ack(ack...))
		default:
			s = reopen(t, s, c, opts...)
		}
	}
	s = reopen(t, s, c, opts...)
	defer s.Close()
	got := map[ID]string{}
	for _, e := range s.Pending() {
		b, err := s.Read(e.ID)
		require.NoError(t, err)
		got[e.ID] = string(b)
	}
	assert.Equal(t, want, got)
	st := s.Stats()
	assert.Zero(t, st.Corrupt+st.DroppedFull+st.DroppedTooOld)
	assert.LessOrEqual(t, st.DiskBytes, 2*st.Bytes+3*300+headerLen, "%+v", st)
	assert.Equal(t, len(segmentFiles(t, dir)), st.Segments)
}

// One record CloudWatch keeps refusing must not pin every later file.
func TestCompaction_BoundsTheFiles(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	opts := []func(*Options){segmentBytes(1000)}
	s := openT(t, dir, c, opts...)
	stuck := appendT(t, s, t0, "stuck")
	prev := appendT(t, s, t0, "first")
	for i := range 500 {
		// Acks lag a record behind, so some land in the next file than
		// their record's: each file pins the next.
		id := appendT(t, s, t0.Add(time.Duration(i)), fmt.Sprintf("%0100d", i))
		require.NoError(t, s.Ack(prev))
		prev = id
		require.LessOrEqual(t, s.Stats().DiskBytes, int64(2*s.Stats().Bytes+3*1000), "after %d", i)
	}
	st := s.Stats()
	assert.Positive(t, st.Compactions)
	assert.LessOrEqual(t, st.Segments, 4)

	s = reopen(t, s, c, opts...)
	defer s.Close()
	assert.Equal(t, []string{"stuck", fmt.Sprintf("%0100d", 499)}, contents(t, s), "the copy replaces the original, once")
	assert.Equal(t, stuck, s.Pending()[0].ID)
	assert.True(t, slices.IsSorted(segmentFiles(t, dir)))
}

func TestCompaction_CopyAndOriginalBothOnDisk(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(100))
	id := appendT(t, s, t0, "kept")
	appendT(t, s, t0, "other")
	old := s.segs[0]
	orig, err := os.ReadFile(old.path)
	require.NoError(t, err)
	require.NoError(t, s.compactOldest())
	s.collect()
	require.NoFileExists(t, old.path)
	require.NoError(t, s.Close())
	require.NoError(t, os.WriteFile(old.path, orig, 0o600)) // a crash before the removal reached the disk

	s = openT(t, dir, c, segmentBytes(100))
	defer s.Close()
	assert.Equal(t, []string{"kept", "other"}, contents(t, s))
	assert.Equal(t, 2, s.Stats().Records)
	assert.Equal(t, 2*dataFrameLen(5)-1, s.Stats().Bytes)
	require.NoError(t, s.Ack(id))
	assert.NoFileExists(t, old.path)
}

func TestCompaction_DropsARecordThatNoLongerVerifies(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(100))
	a := appendT(t, s, t0, "aaaa")
	appendT(t, s, t0.Add(time.Second), "bbbb")
	appendT(t, s, t0.Add(2*time.Second), "cccccccccccccccccccccccccccccccccccc") // next segment
	require.Len(t, s.segs, 2)
	e := s.index[a]
	damage(t, e)

	require.NoError(t, s.compactOldest())
	s.collect()
	assert.NoFileExists(t, e.seg.path)
	assert.Equal(t, []string{"bbbb", "cccccccccccccccccccccccccccccccccccc"}, contents(t, s))
	assert.Equal(t, uint64(1), s.Stats().Corrupt)
	assert.Equal(t, e.size, s.Stats().CorruptBytes)

	s = reopen(t, s, c, segmentBytes(100))
	defer s.Close()
	assert.Equal(t, []string{"bbbb", "cccccccccccccccccccccccccccccccccccc"}, contents(t, s))
	assert.Zero(t, s.Stats().Corrupt)
}

// A compaction that stops partway (here: dropping a record that no longer
// verifies fails) leaves the moved record's original in the old file, which
// stays for its other live record. The copy's file, where the record's ack
// then goes, must stay while that original exists, or the ack goes with it
// and the record comes back. The same holds after a restart, when Open finds
// both copies (as a crash in the middle of a compaction leaves them).
func TestCompaction_StoppedPartwayKeepsTheAcksOfWhatItMoved(t *testing.T) {
	for _, restart := range []bool{false, true} {
		t.Run(fmt.Sprintf("restart=%v", restart), func(t *testing.T) {
			dir := t.TempDir()
			c := &clock{t0}
			fl := newDisk(t)
			opts := []func(*Options){segmentBytes(300), fl.option}
			s := openT(t, dir, c, opts...)
			x := appendT(t, s, t0, "xxxx")
			y := appendT(t, s, t0, strings.Repeat("y", 200))
			z := appendT(t, s, t0, strings.Repeat("z", 60)) // opens the second file
			require.Len(t, s.segs, 2)
			old, ye := s.segs[0], s.index[y]

			damage(t, ye)                             // compaction drops y as corrupt
			fl.write, fl.writesOK = syscall.ENOSPC, 1 // x's copy is written, y's ack is not
			require.ErrorIs(t, s.compactOldest(), syscall.ENOSPC)
			fl.clear()
			require.Equal(t, s.segs[1], s.index[x].seg, "x was moved")
			require.Equal(t, old, s.index[y].seg, "y was not")
			if restart {
				damage(t, ye) // y verifies again: the files are those a crash mid-compaction leaves
				s = reopen(t, s, c, opts...)
				require.ElementsMatch(t, []ID{x, y, z}, pendingIDs(s))
			}

			require.NoError(t, s.Ack(x)) // its ack goes to the copy's file
			require.NoError(t, s.Ack(z))
			w := appendT(t, s, t0, strings.Repeat("w", 150)) // the copy's file is full and dead now
			require.FileExists(t, old.path, "y keeps the original of x")

			s = reopen(t, s, c, opts...)
			defer s.Close()
			got := pendingIDs(s)
			assert.NotContains(t, got, x, "x came back after its Ack returned")
			assert.Contains(t, got, w)
		})
	}
}

// A segment whose acks kept the records of an older file from coming back is
// removed only once the older file's removal is durable: the directory is
// synced in between, even when the two removals are far apart or the first
// attempt to sync fails. Otherwise a crash that kept the second removal and
// lost the first would replay the older file's acked records.
func TestCollect_SyncsTheDirectoryBeforeRemovingNeededAcks(t *testing.T) {
	for _, syncFails := range []bool{false, true} {
		t.Run(fmt.Sprintf("syncFails=%v", syncFails), func(t *testing.T) {
			dir := t.TempDir()
			c := &clock{t0}
			d := newDisk(t)
			opts := []func(*Options){segmentBytes(70), d.option} // two records a file
			s := openT(t, dir, c, opts...)
			defer s.Close()
			a1 := appendT(t, s, t0, "a1")
			a2 := appendT(t, s, t0, "a2")
			b1 := appendT(t, s, t0, "b1")
			a, b := s.segs[0].path, s.segs[1].path
			require.NoError(t, s.Ack(a1)) // in b: it pins b while a exists
			if syncFails {
				require.NoError(t, s.Ack(b1)) // b is done but for a's ack
			}
			d1 := appendT(t, s, t0, "d1") // a third file, the last one created
			require.Len(t, s.segs, 3)

			if syncFails {
				d.dirSync = errors.New("EIO")
			}
			require.NoError(t, s.Ack(a2)) // a goes
			require.NoFileExists(t, a)
			require.FileExists(t, b, "not removed without a sync")
			d.dirSync = nil
			if !syncFails {
				require.NoError(t, s.Ack(b1)) // b goes, in a later pass
			} else {
				require.NoError(t, s.Ack(d1)) // the next pass retries
			}
			require.NoFileExists(t, b)
			assert.True(t, d.syncedBetween(a, b), "%q", d.events)
			if syncFails {
				assert.Equal(t, uint64(1), s.Stats().TidyFailures)
			}
		})
	}
}

// Open cannot know whether the last process synced its removals: a segment
// holding acks for records of a file that is gone is removed only after a
// directory sync.
func TestCollect_SyncsTheDirectoryBeforeRemovingAcksFoundAtOpen(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(70))
	a1 := appendT(t, s, t0, "a1")
	a2 := appendT(t, s, t0, "a2")
	b1 := appendT(t, s, t0, "b1")
	require.NoError(t, s.Ack(a1)) // in b
	appendT(t, s, t0, "d1")
	require.NoError(t, s.Ack(a2)) // a goes; the process dies before syncing that
	b := s.segs[0].path
	require.Len(t, s.segs, 2)

	d := newDisk(t)
	s = reopen(t, s, c, segmentBytes(70), d.option)
	defer s.Close()
	require.NoError(t, s.Ack(b1))
	require.NoFileExists(t, b)
	assert.Equal(t, []string{"sync", "remove " + filepath.Base(b)}, d.events)
}

func TestCompaction_ThatCopiedNothingIsNotCounted(t *testing.T) {
	s := openT(t, t.TempDir(), &clock{t0}, segmentBytes(50))
	defer s.Close()
	a := appendT(t, s, t0, "aaaa")
	appendT(t, s, t0, "bbbb") // the next file
	require.Len(t, s.segs, 2)
	damage(t, s.index[a])

	require.NoError(t, s.compactOldest())
	assert.Equal(t, uint64(1), s.Stats().Corrupt)
	assert.Zero(t, s.Stats().Compactions, "a was dropped, not copied")
}
