package spool

import (
	"container/heap"
	"errors"
	"os"
)

// recover rebuilds the live records from the segment files at Open, then
// trims, deletes and compacts as the writes do.
func (s *Spool) recover() error {
	lastEnd, err := s.scanAll()
	if err != nil {
		return err
	}
	if len(s.segs) > 0 {
		last := s.segs[len(s.segs)-1]
		s.nextID = max(s.nextID, ID(last.base))
		if err := s.activate(last, lastEnd); err != nil {
			return err
		}
	}
	s.trim()
	s.collect()
	for i := len(s.segs); i > 0 && s.needsCompaction(); i-- {
		if s.compactOldest() != nil {
			s.tidyFailed()
			break
		}
		s.collect()
	}
	return nil
}

// scanAll scans every segment into the index and s.segs and returns where
// the valid frames of the newest one end.
func (s *Spool) scanAll() (lastEnd int64, err error) {
	segs, err := listSegments(s.opts.Dir)
	if err != nil {
		return 0, err
	}
	sc := newScanner()
	var maxID ID
	for _, seg := range segs {
		end, err := s.scanFile(sc, seg, &maxID)
		if errors.Is(err, errNewerVersion) {
			// Written by a newer agent (a downgrade), or a flipped version
			// byte: either way not ours to read, truncate or delete. It is
			// left as it is, counted, and later files are named after it.
			s.stats.Corrupt++
			s.stats.CorruptBytes += seg.size
			s.nextID = max(s.nextID, ID(seg.base)+1)
			continue
		}
		if err != nil {
			return 0, err
		}
		s.segs = append(s.segs, seg)
		if end < seg.size {
			s.stats.Corrupt++
			s.stats.CorruptBytes += seg.size - end
		}
		s.stats.DiskBytes += seg.size
		lastEnd = end
	}
	s.stats.Segments = len(s.segs)
	s.nextID = max(s.nextID, maxID+1)
	return lastEnd, nil
}

// scanFile feeds one segment's valid frames to the index and returns where
// they end.
func (s *Spool) scanFile(sc *scanner, seg *segment, maxID *ID) (int64, error) {
	f, err := os.Open(seg.path)
	if err != nil {
		return 0, ioError("open", seg.path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, ioError("stat", seg.path, err)
	}
	seg.size = st.Size()
	end, err := sc.scan(f, seg.size, visitor{
		data: func(id ID, nanos, off, size int64) {
			*maxID = max(*maxID, id)
			s.place(seg, id, nanos, off, size)
		},
		acks: func(ids []ID) {
			for _, id := range ids {
				if e := s.index[id]; e != nil {
					s.forget([]*entry{e}, seg)
				} else {
					// Its record's file is gone, perhaps not durably
					// yet: the last process may not have synced that.
					seg.heldAcks = true
				}
			}
		},
	})
	if err != nil && !errors.Is(err, errNewerVersion) {
		return 0, ioError("read", seg.path, err)
	}
	return end, err
}

// place records a data frame found at Open. A second frame for an ID is a
// copy made by compaction: the later one wins, and the earlier one's file
// pins it as at the copy.
func (s *Spool) place(seg *segment, id ID, nanos, off, size int64) {
	if e := s.index[id]; e != nil {
		e.seg.live--
		if e.seg != seg {
			e.seg.pin(seg)
		}
		s.stats.Bytes += size - e.size
		e.seg, e.off, e.size = seg, off, size
		seg.live++
		return
	}
	e := &entry{id: id, nanos: nanos, seg: seg, off: off, size: size}
	s.index[id] = e
	heap.Push(&s.oldest, e)
	seg.live++
	s.stats.Bytes += size
}

// trim drops at Open what MaxAge or MaxBytes no longer allow (MaxBytes may
// have been lowered since the records were written). If that write fails the
// records stay and the next Append tries again.
func (s *Spool) trim() {
	tooOld, full := s.victims(0)
	drops := append(tooOld, full...)
	if len(drops) == 0 {
		return
	}
	if s.tombstone(drops) != nil {
		return
	}
	s.stats.DroppedTooOld += uint64(len(tooOld))
	s.stats.DroppedFull += uint64(len(full))
}
