package spool

import (
	"os"
	"path/filepath"
)

// keepBuf is the most that Spool.buf keeps between writes: one large record
// or compaction batch must not pin its buffer.
const keepBuf = 4 << 20

// room makes sure the active segment can take n more bytes, starting a new
// segment when the current one would pass SegmentBytes. A frame larger than
// SegmentBytes gets a segment of its own.
func (s *Spool) room(n int64) error {
	if a := s.active; a != nil && a.size > headerLen && a.size+n > s.opts.SegmentBytes {
		s.seal()
	}
	if s.active == nil {
		return s.create()
	}
	return nil
}

// put writes whole frames at the end of the active segment and makes them
// durable. On error it truncates them away so that nothing half-written is
// left for Open to find.
func (s *Spool) put(p []byte) (off int64, err error) {
	if cap(s.buf) > keepBuf {
		s.buf = nil // p holds it for this write; after it, it can go
	}
	seg := s.active
	off = seg.size
	if _, err := seg.f.WriteAt(p, off); err != nil {
		s.undo(seg, off, false)
		return 0, ioError("write", seg.path, err)
	}
	if err := seg.f.Sync(); err != nil {
		s.undo(seg, off, true)
		return 0, ioError("sync", seg.path, err)
	}
	seg.size += int64(len(p))
	s.mu.Lock()
	s.stats.DiskBytes += int64(len(p))
	s.mu.Unlock()
	return off, nil
}

// undo truncates a failed write away. After a failed fdatasync the kernel may
// have dropped the dirty pages and reported the error once and for all (a
// later fdatasync would succeed without the data), so that file takes no
// more writes: the next one starts a new segment. So does a file that cannot
// be truncated.
func (s *Spool) undo(seg *segment, off int64, syncFailed bool) {
	err := seg.f.Truncate(off)
	if err == nil {
		err = seg.f.Sync()
	}
	if err != nil || syncFailed {
		s.seal()
	}
}

// seal stops writing to the active segment; it stays for its records.
func (s *Spool) seal() {
	if s.active == nil {
		return
	}
	_ = s.active.f.Close() // every byte of it that counts was synced
	s.active.f, s.active = nil, nil
}

// create starts a new active segment. Its name is the next ID (bumped past
// the newest segment's, so names keep growing even when only acks were
// written since).
func (s *Spool) create() error {
	base := uint64(s.nextID)
	if n := len(s.segs); n > 0 {
		base = max(base, s.segs[n-1].base+1)
	}
	path := filepath.Join(s.opts.Dir, segmentName(base))
	f, err := s.opts.openFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return ioError("create", path, err)
	}
	fail := func(op string, err error) error {
		_ = f.Close()
		_ = os.Remove(path)
		return ioError(op, path, err)
	}
	if _, err := f.WriteAt(segmentHeader(), 0); err != nil {
		return fail("write", err)
	}
	if err := f.Sync(); err != nil {
		return fail("sync", err)
	}
	if err := s.syncDir(); err != nil {
		return fail("sync the directory of", err)
	}
	s.nextID = max(s.nextID, ID(base))
	seg := &segment{base: base, path: path, size: headerLen, f: f, ackedBy: map[*segment]int{}}
	s.segs = append(s.segs, seg)
	s.active = seg
	s.mu.Lock()
	s.stats.Segments++
	s.stats.DiskBytes += headerLen
	s.mu.Unlock()
	return nil
}

// syncDir makes the creations and removals of segment files so far durable.
func (s *Spool) syncDir() error {
	if err := s.opts.syncDir(s.opts.Dir); err != nil {
		return err
	}
	s.dirDirty = false
	return nil
}

// activate makes the newest segment found at Open the active one, cutting it
// at end, where its valid frames end (a torn tail goes). A file without even
// a valid header is started over: its name still carries the next ID.
func (s *Spool) activate(seg *segment, end int64) error {
	f, err := s.opts.openFile(seg.path, os.O_WRONLY, 0)
	if err != nil {
		return ioError("open", seg.path, err)
	}
	fail := func(op string, err error) error {
		_ = f.Close()
		return ioError(op, seg.path, err)
	}
	if end < headerLen {
		if err := f.Truncate(0); err != nil {
			return fail("truncate", err)
		}
		if _, err := f.WriteAt(segmentHeader(), 0); err != nil {
			return fail("write", err)
		}
		end = headerLen
	}
	if err := f.Truncate(end); err != nil {
		return fail("truncate", err)
	}
	if err := f.Sync(); err != nil {
		return fail("sync", err)
	}
	s.mu.Lock()
	s.stats.DiskBytes += end - seg.size
	s.mu.Unlock()
	seg.size, seg.f, s.active = end, f, seg
	return nil
}
