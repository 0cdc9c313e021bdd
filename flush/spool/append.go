package spool

import (
	"container/heap"
	"fmt"
	"time"
)

// The times a record can have: what unix nanoseconds can say.
var (
	minTime = time.Unix(0, -1<<63)
	maxTime = time.Unix(0, 1<<63-1)
)

// Append stores a record whose data is timestamped t (e.g. the period start:
// MaxAge and the replay order go by it) and returns its ID once the record
// is on disk (written and fdatasync'd). To make room it first drops, with the
// same write, the records older than MaxAge and then the oldest ones beyond
// MaxBytes. A record that alone exceeds MaxBytes, or that is already older
// than MaxAge, is refused (ErrTooLarge, ErrTooOld) and not counted as a drop.
// A failed write (ENOSPC, EIO, ...) is returned naming the file and leaves
// the spool as it was: the next Append may succeed once the cause is gone.
func (s *Spool) Append(t time.Time, data []byte) (ID, error) {
	nanos, err := s.check(t, len(data))
	if err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return 0, ErrClosed
	}
	tooOld, full := s.victims(dataFrameLen(len(data)))
	drops := append(tooOld, full...)
	e, err := s.writeRecord(nanos, data, drops)
	if err != nil {
		s.restore(drops)
		return 0, err
	}
	s.forget(drops, e.seg)
	s.mu.Lock()
	s.index[e.id] = e
	s.stats.Bytes += e.size
	s.stats.DroppedTooOld += uint64(len(tooOld))
	s.stats.DroppedFull += uint64(len(full))
	s.mu.Unlock()
	heap.Push(&s.oldest, e)
	e.seg.live++
	s.tidy()
	return e.id, nil
}

// check refuses what Append must not take and returns t in unix nanoseconds.
func (s *Spool) check(t time.Time, n int) (int64, error) {
	if n > MaxRecordBytes || dataFrameLen(n) > s.opts.MaxBytes {
		return 0, fmt.Errorf("spool: a record of %d bytes: %w: the spool takes at most %d bytes in all (MaxBytes) and %d in one record; raise MaxBytes (the agent's flush.spool_max_bytes) or send smaller requests",
			n, ErrTooLarge, s.opts.MaxBytes, min(MaxRecordBytes, s.opts.MaxBytes-dataFrameLen(0)))
	}
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("spool: record time %s is out of range: pass the data's own timestamp (years 1678 to 2262)", t)
	}
	if cutoff := s.opts.Now().Add(-s.opts.MaxAge); t.Before(cutoff) {
		return 0, fmt.Errorf("spool: record time %s is before %s: %w (%s, the agent's flush.max_age); drop it", t, cutoff, ErrTooOld, s.opts.MaxAge)
	}
	return t.UnixNano(), nil
}

// writeRecord writes, in one write and one fdatasync, the ack frames of the
// records dropped to make room and the new record's frame, and returns the
// new record's entry (not yet in the index).
func (s *Spool) writeRecord(nanos int64, data []byte, drops []*entry) (*entry, error) {
	size := dataFrameLen(len(data))
	if err := s.room(ackFramesLen(len(drops)) + size); err != nil {
		return nil, err
	}
	id := s.nextID
	s.nextID++ // spent even if the write fails: a frame that made it to disk keeps its ID to itself
	s.buf = appendAckFrames(s.buf[:0], ids(drops))
	rel := int64(len(s.buf))
	s.buf = appendDataFrame(s.buf, id, nanos, data)
	seg := s.active
	off, err := s.put(s.buf)
	if err != nil {
		return nil, err
	}
	return &entry{id: id, nanos: nanos, seg: seg, off: off + rel, size: size}, nil
}

// victims takes out of the heap what must go before n more bytes fit: the
// records older than MaxAge, then the oldest until the live bytes allow n.
// restore puts them back if the write that drops them fails.
func (s *Spool) victims(n int64) (tooOld, full []*entry) {
	cutoff := s.opts.Now().Add(-s.opts.MaxAge).UnixNano()
	live := s.stats.Bytes
	for len(s.oldest) > 0 && s.oldest[0].nanos < cutoff {
		e := heap.Pop(&s.oldest).(*entry)
		tooOld = append(tooOld, e)
		live -= e.size
	}
	for len(s.oldest) > 0 && live+n > s.opts.MaxBytes {
		e := heap.Pop(&s.oldest).(*entry)
		full = append(full, e)
		live -= e.size
	}
	return tooOld, full
}

func (s *Spool) restore(es []*entry) {
	for _, e := range es {
		heap.Push(&s.oldest, e)
	}
}

func ids(es []*entry) []ID {
	out := make([]ID, len(es))
	for i, e := range es {
		out[i] = e.id
	}
	return out
}

// ackFramesLen is the size of the ack frames for n IDs.
func ackFramesLen(n int) int64 {
	frames := (n + maxAckIDs - 1) / maxAckIDs
	return int64(frames*frameHeadLen + n*8)
}
