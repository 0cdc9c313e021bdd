package spool

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FuzzOpen writes arbitrary bytes as a segment file, the newest one or one
// followed by a valid segment, and opens the spool: Open must neither panic
// nor fail, and every record it keeps must be a
// data frame whose CRC verifies (checked here independently of the scanner).
// The spool must then take an append that survives a reopen.
func FuzzOpen(f *testing.F) {
	valid := validSegment(f)
	f.Add(valid, true)
	f.Add(valid, false)
	f.Add(valid[:len(valid)-3], true)
	f.Add(segmentHeader(), true)
	f.Add([]byte{}, false)
	f.Add(append([]byte(magic), 9), true)
	f.Add(append(segmentHeader(), byte(frameData), 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0), true)
	f.Fuzz(func(t *testing.T, seg []byte, last bool) {
		dir := t.TempDir()
		path := filepath.Join(dir, segmentName(1))
		require.NoError(t, os.WriteFile(path, seg, 0o600))
		if !last {
			require.NoError(t, os.WriteFile(filepath.Join(dir, segmentName(1<<40)), valid, 0o600))
		}
		c := &clock{t0}
		d := newDisk(t)
		d.noSync = true // the fuzzer spends its time scanning
		o := Options{Dir: dir, Now: c.Now, SegmentBytes: 1 << 10}
		d.option(&o)
		s, err := Open(o)
		require.NoError(t, err)
		pending := s.Pending()
		require.Equal(t, s.Stats().Records, len(pending))
		for _, e := range pending {
			checkFrameOnDisk(t, s, e.ID)
			_, err := s.Read(e.ID)
			require.NoError(t, err)
		}
		id := appendT(t, s, t0, "after")
		s = reopen(t, s, c, d.option)
		defer s.Close()
		require.Len(t, s.Pending(), len(pending)+1)
		b, err := s.Read(id)
		require.NoError(t, err)
		require.Equal(t, "after", string(b))
	})
}

// checkFrameOnDisk verifies the frame of a live record with its own reading
// of the format.
func checkFrameOnDisk(t *testing.T, s *Spool, id ID) {
	e := s.index[id]
	b, err := os.ReadFile(e.seg.path)
	require.NoError(t, err)
	require.LessOrEqual(t, e.off+e.size, int64(len(b)))
	fr := b[e.off : e.off+e.size]
	require.Equal(t, byte(1), fr[0], "type")
	n := binary.LittleEndian.Uint32(fr[1:5])
	require.Equal(t, int64(n), e.size-9)
	want := crc32.Checksum(append(append([]byte{}, fr[:5]...), fr[9:]...), crc32.MakeTable(crc32.Castagnoli))
	require.Equal(t, want, binary.LittleEndian.Uint32(fr[5:9]), "CRC of record %d", id)
	require.Equal(t, uint64(id), binary.LittleEndian.Uint64(fr[9:17]))
}

// validSegment returns a segment holding data and ack frames.
func validSegment(f *testing.F) []byte {
	dir := f.TempDir()
	s, err := Open(Options{Dir: dir, Now: func() time.Time { return t0 }})
	require.NoError(f, err)
	var ids []ID
	for i, d := range []string{"a", "bb", "ccc", "dddd"} {
		id, err := s.Append(t0.Add(time.Duration(i)*time.Second), []byte(d))
		require.NoError(f, err)
		ids = append(ids, id)
	}
	require.NoError(f, s.Ack(ids[1], ids[3]))
	path := s.active.path
	require.NoError(f, s.Close())
	b, err := os.ReadFile(path)
	require.NoError(f, err)
	return b
}
