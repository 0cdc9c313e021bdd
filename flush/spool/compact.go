package spool

import (
	"cmp"
	"errors"
	"io"
	"os"
	"slices"
)

// compactBatch bounds the bytes copied per write during compaction.
const compactBatch = 1 << 20

// needsCompaction reports whether the files hold more than twice the live
// bytes plus two segments: dead bytes that the oldest segment keeps, either
// through its own live records or through the acks of later files it pins.
// An oldest segment without live records has nothing to copy (it is still
// there because deleting it failed): then the index is not even walked.
func (s *Spool) needsCompaction() bool {
	return len(s.segs) > 1 && s.segs[0] != s.active && s.segs[0].live > 0 &&
		s.stats.DiskBytes > 2*s.stats.Bytes+2*s.opts.SegmentBytes
}

// compactOldest copies the live records of the oldest segment, frame for
// frame (same ID and Time), to the active one, so that the oldest and the
// files its records pinned can go. At Open the later copy of an ID wins. A
// record whose frame no longer verifies is dropped as corrupt.
func (s *Spool) compactOldest() error {
	old := s.segs[0]
	var es []*entry
	for _, e := range s.index {
		if e.seg == old {
			es = append(es, e)
		}
	}
	slices.SortFunc(es, func(a, b *entry) int { return cmp.Compare(a.off, b.off) })
	f, err := os.Open(old.path)
	if err != nil {
		return ioError("open", old.path, err)
	}
	defer f.Close()
	copied := 0
	for len(es) > 0 {
		n, moved, err := s.copyFrames(f, es)
		if err != nil {
			return err
		}
		es, copied = es[n:], copied+moved
	}
	if copied > 0 {
		s.mu.Lock()
		s.stats.Compactions++
		s.mu.Unlock()
	}
	return nil
}

// copyFrames copies the frames of up to compactBatch bytes of es and returns
// how many entries it dealt with and how many of them it copied.
func (s *Spool) copyFrames(f *os.File, es []*entry) (int, int, error) {
	var moved, bad []*entry
	var rels []int64
	buf := s.buf[:0]
	n := 0
	for ; n < len(es) && (n == 0 || int64(len(buf))+es[n].size <= compactBatch); n++ {
		e := es[n]
		start := len(buf)
		buf = slices.Grow(buf, int(e.size))[:start+int(e.size)]
		_, err := f.ReadAt(buf[start:], e.off)
		if err != nil && !errors.Is(err, io.EOF) { // EOF: the file was cut short under us
			return 0, 0, ioError("read", f.Name(), err)
		}
		if id, _, _, ok := parseDataFrame(buf[start:]); err != nil || !ok || id != e.id {
			buf, bad = buf[:start], append(bad, e)
			continue
		}
		moved, rels = append(moved, e), append(rels, int64(start))
	}
	s.buf = buf
	if len(moved) > 0 {
		if err := s.room(int64(len(buf))); err != nil {
			return 0, 0, err
		}
		seg := s.active
		off, err := s.put(buf)
		if err != nil {
			return 0, 0, err
		}
		s.mu.Lock()
		for i, e := range moved {
			// The original stays where it was until that whole file goes,
			// which a compaction that stops partway may leave for long.
			e.seg.live--
			e.seg.pin(seg)
			e.seg, e.off = seg, off+rels[i]
			seg.live++
		}
		s.mu.Unlock()
	}
	if len(bad) > 0 {
		return n, len(moved), s.dropCorrupt(bad)
	}
	return n, len(moved), nil
}

// dropCorrupt drops live records whose frames stopped verifying.
func (s *Spool) dropCorrupt(es []*entry) error {
	if err := s.tombstone(es); err != nil {
		return err
	}
	s.mu.Lock()
	for _, e := range es {
		s.stats.Corrupt++
		s.stats.CorruptBytes += e.size
	}
	s.mu.Unlock()
	return nil
}
