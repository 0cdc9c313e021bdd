package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppend_WriteErrorsLeaveTheSpoolUsable(t *testing.T) {
	for _, tc := range []struct {
		name        string
		faults      faults
		errno       error
		fix         string
		wantCorrupt uint64 // at the next Open
	}{
		{"ENOSPC mid-frame", faults{write: syscall.ENOSPC}, syscall.ENOSPC, "free space on it or lower the spool's max bytes", 0},
		{"EROFS", faults{write: syscall.EROFS}, syscall.EROFS, "remount it read-write", 0},
		{"EIO on fdatasync", faults{sync: syscall.EIO}, syscall.EIO, "check the kernel log", 0},
		// The half frame stays at the end of a sealed file: skipped and counted.
		{"truncate fails too", faults{write: syscall.EDQUOT, truncate: syscall.EIO}, syscall.EDQUOT, "disk quota", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c := &clock{t0}
			fl := newDisk(t)
			s := openT(t, dir, c, fl.option, maxBytes(2*dataFrameLen(1)))
			appendT(t, s, t0, "a")
			appendT(t, s, t0.Add(time.Second), "b")
			path := s.active.path
			before := s.Stats()

			fl.faults = tc.faults
			_, err := s.Append(t0.Add(2*time.Second), []byte("c"))
			require.ErrorIs(t, err, tc.errno)
			assert.ErrorContains(t, err, path)
			assert.ErrorContains(t, err, tc.fix)
			assert.Equal(t, before, s.Stats(), "nothing dropped, nothing added")
			assert.Equal(t, []string{"a", "b"}, contents(t, s))

			fl.clear()
			appendT(t, s, t0.Add(3*time.Second), "d")
			assert.Equal(t, []string{"b", "d"}, contents(t, s), "a is dropped for room now")

			s = reopen(t, s, c)
			defer s.Close()
			assert.Equal(t, []string{"b", "d"}, contents(t, s))
			assert.Equal(t, tc.wantCorrupt, s.Stats().Corrupt)
		})
	}
}

func TestAck_WriteErrorKeepsTheRecord(t *testing.T) {
	c := &clock{t0}
	fl := newDisk(t)
	s := openT(t, t.TempDir(), c, fl.option)
	id := appendT(t, s, t0, "a")
	fl.write = syscall.ENOSPC
	require.ErrorIs(t, s.Ack(id), syscall.ENOSPC)
	assert.Equal(t, []string{"a"}, contents(t, s))
	fl.clear()
	require.NoError(t, s.Ack(id))
	s = reopen(t, s, c)
	defer s.Close()
	assert.Empty(t, s.Pending())
}

// A real failure, no seam: something else sits where the next segment goes.
func TestAppend_SegmentPathTakenByADirectory(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(40))
	appendT(t, s, t0, "a")
	next := filepath.Join(dir, segmentName(uint64(s.nextID)))
	require.NoError(t, os.Mkdir(next, 0o700))

	_, err := s.Append(t0, []byte("b")) // does not fit in 40 bytes: a new segment
	require.ErrorIs(t, err, syscall.EEXIST)
	assert.ErrorContains(t, err, "spool: create "+next+": file exists (something that is not a segment file is in the way")

	require.NoError(t, os.Remove(next))
	appendT(t, s, t0, "c")
	s = reopen(t, s, c, segmentBytes(40))
	defer s.Close()
	assert.Equal(t, []string{"a", "c"}, contents(t, s))
}

func TestIOError_NamesTheFix(t *testing.T) {
	f := func(err error, want string) {
		t.Helper()
		got := ioError("write", "/s/1.seg", err)
		assert.Contains(t, got.Error(), "spool: write /s/1.seg: ")
		assert.Contains(t, got.Error(), want)
	}
	f(syscall.ENOSPC, "the filesystem is full")
	f(&os.PathError{Op: "write", Path: "/s/1.seg", Err: syscall.EACCES}, "writable by uid")
	f(syscall.EPERM, "writable by uid")
	f(syscall.EIO, "dmesg")
	f(errors.New("odd"), "check the disk")
}

// As root (CI) chmod stops nothing, hence the tests above; as anyone else
// this is the plain case.
func TestAppend_ReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root writes through mode 0500")
	}
	dir := t.TempDir()
	c := &clock{t0}
	s := openT(t, dir, c, segmentBytes(40))
	defer s.Close()
	appendT(t, s, t0, "a")
	require.NoError(t, os.Chmod(dir, 0o500))
	_, err := s.Append(t0, []byte("b")) // needs a new segment file
	require.ErrorIs(t, err, syscall.EACCES)
	assert.ErrorContains(t, err, dir)
	assert.ErrorContains(t, err, "writable by uid")
	require.NoError(t, os.Chmod(dir, 0o700))
	appendT(t, s, t0, "c")
	assert.Equal(t, []string{"a", "c"}, contents(t, s))
}

// Tidying (deleting, syncing the directory, compacting) fails quietly for the
// writes, which keep working, but not for the operator: Stats counts each
// failure. A compaction that cannot help is not run.
func TestTidy_FailuresAreCounted(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	fl := newDisk(t)
	s := openT(t, dir, c, segmentBytes(3000)) // too large to compact
	stuck := appendT(t, s, t0, "stuck")
	var done []ID
	for i := range 30 {
		done = append(done, appendT(t, s, t0, fmt.Sprintf("%0100d", i)))
	}
	require.NoError(t, s.Ack(done...))
	require.Len(t, s.segs, 2)
	first := s.segs[0].path

	fl.write = syscall.EIO
	s = reopen(t, s, c, segmentBytes(1000), fl.option) // Open compacts: its write fails
	require.True(t, s.needsCompaction())
	assert.Equal(t, uint64(1), s.Stats().TidyFailures)
	fl.writesOK = 2 // a new segment's header and the Append, not the compaction after it
	x := appendT(t, s, t0, "x")
	assert.Equal(t, uint64(2), s.Stats().TidyFailures)
	assert.Zero(t, s.Stats().Compactions)

	fl.clear()
	fl.remove = syscall.EBUSY
	require.NoError(t, s.Ack(x)) // compacts: stuck moves, its old file cannot go
	assert.Equal(t, uint64(1), s.Stats().Compactions)
	assert.Equal(t, uint64(3), s.Stats().TidyFailures)
	assert.FileExists(t, first)
	assert.True(t, s.Stats().DiskBytes > 2*s.Stats().Bytes+2*1000, "past the bound, as TidyFailures says")
	assert.False(t, s.needsCompaction(), "nothing left to copy in the oldest file")
	appendT(t, s, t0, "y")
	assert.Equal(t, uint64(4), s.Stats().TidyFailures)
	assert.Equal(t, uint64(1), s.Stats().Compactions, "nothing left to copy: no compaction")

	fl.clear()
	appendT(t, s, t0, "z")
	assert.NoFileExists(t, first)
	assert.Equal(t, uint64(4), s.Stats().TidyFailures)
	s = reopen(t, s, c, segmentBytes(1000))
	defer s.Close()
	assert.Equal(t, []string{"stuck", "y", "z"}, contents(t, s))
	assert.Equal(t, stuck, s.Pending()[0].ID)
}
