package spool

import (
	"errors"
	"io/fs"
)

// Ack marks records done (CloudWatch accepted them): when it returns nil an
// ack frame is on disk and they will not be replayed after a restart. IDs
// that are not live (unknown, already acked or dropped) are ignored. Acking
// several IDs in one call costs one write and one fdatasync. A segment none
// of whose records is live any more is deleted.
func (s *Spool) Ack(ids ...ID) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return ErrClosed
	}
	es := make([]*entry, 0, len(ids))
	for _, id := range ids {
		if e := s.index[id]; e != nil && e.hidx >= 0 {
			s.oldest.remove(e) // also marks it taken, for a repeated ID
			es = append(es, e)
		}
	}
	if len(es) == 0 {
		return nil
	}
	if err := s.tombstone(es); err != nil {
		return err
	}
	s.tidy()
	return nil
}

// tombstone takes es out of the heap (if still in it), writes their ack
// frames and forgets them; if the write fails they go back to the heap and
// stay live. The caller counts why they went.
func (s *Spool) tombstone(es []*entry) error {
	for _, e := range es {
		s.oldest.remove(e)
	}
	fail := func(err error) error {
		s.restore(es)
		return err
	}
	if err := s.room(ackFramesLen(len(es))); err != nil {
		return fail(err)
	}
	seg := s.active
	s.buf = appendAckFrames(s.buf[:0], ids(es))
	if _, err := s.put(s.buf); err != nil {
		return fail(err)
	}
	s.forget(es, seg)
	return nil
}

// forget drops es from the live records: acks for them are now in seg.
func (s *Spool) forget(es []*entry, seg *segment) {
	s.mu.Lock()
	for _, e := range es {
		delete(s.index, e.id)
		s.stats.Bytes -= e.size
	}
	s.mu.Unlock()
	for _, e := range es {
		s.oldest.remove(e)
		e.seg.live--
		if e.seg != seg {
			e.seg.pin(seg)
		}
	}
}

// tidy runs after each write: it deletes what is no longer needed and
// compacts at most one old segment, so no write pays for more than one.
// Errors are counted in Stats and left for the next write to retry.
func (s *Spool) tidy() {
	s.collect()
	if s.needsCompaction() {
		if s.compactOldest() != nil {
			s.tidyFailed()
		}
		s.collect()
	}
}

// tidyFailed counts a deletion, directory sync or compaction that failed.
func (s *Spool) tidyFailed() {
	s.mu.Lock()
	s.stats.TidyFailures++
	s.mu.Unlock()
}

// collect deletes, oldest first, the segments that hold no live record and
// no ack still needed. Acks only point back, so one pass sees every segment
// that a deletion earlier in the pass unpinned. A segment that ever held acks
// for an older file is deleted only once that file's deletion is durable (the
// directory is synced first if anything was deleted since it last was), so
// that a crash cannot bring back records whose acks are gone.
func (s *Spool) collect() {
	kept := s.segs[:0]
	syncFailed := false // then no more tries in this pass
	for _, seg := range s.segs {
		if seg == s.active || seg.live > 0 || seg.pins > 0 {
			kept = append(kept, seg)
			continue
		}
		if seg.heldAcks && s.dirDirty && (syncFailed || s.syncDir() != nil) {
			if !syncFailed {
				s.tidyFailed()
			}
			syncFailed = true
			kept = append(kept, seg)
			continue
		}
		if err := s.opts.remove(seg.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			s.tidyFailed()
			kept = append(kept, seg)
			continue
		}
		s.dirDirty = true
		for newer, n := range seg.ackedBy {
			newer.pins -= n
		}
		s.mu.Lock()
		s.stats.Segments--
		s.stats.DiskBytes -= seg.size
		s.mu.Unlock()
	}
	clear(s.segs[len(kept):])
	s.segs = kept
}
