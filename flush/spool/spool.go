package spool

import (
	"errors"
	"os"
	"slices"
	"sync"
	"time"
)

// ID names a record. IDs are unique and increase across restarts for as long
// as the directory is kept.
type ID uint64

// Entry is a live record as Pending lists it: which one and how old, not its
// bytes, which Read returns one at a time so that a spool of MaxBytes is never
// all in memory.
type Entry struct {
	ID   ID
	Time time.Time // the data's own timestamp, as given to Append
}

// Spool is an open spool directory. Open one per directory; Close it on the
// way out (a process that dies without Close loses nothing: the lock goes
// with it and Open recovers).
type Spool struct {
	opts Options
	lock *os.File

	// wmu serializes the writers (Append, Ack, Close) and guards what only
	// they use. A writer holding it may read index and stats without mu;
	// changing them takes mu too.
	wmu    sync.Mutex
	segs   []*segment // oldest first
	active *segment   // the newest segment, open for writing; nil until needed
	oldest entryHeap
	nextID ID
	buf    []byte
	// dirDirty is set while a segment removal may not be durable yet: from
	// an os.Remove (or Open, which cannot know about the last process's) to
	// the next successful directory sync.
	dirDirty bool

	// mu guards index, stats and closed for Pending, Read and Stats. It is
	// never held across file I/O.
	mu     sync.Mutex
	index  map[ID]*entry
	stats  Stats // but Records, which is len(index)
	closed bool
}

// Open locks o.Dir (creating it), scans every segment to rebuild the live
// records, truncates a torn tail, drops what is older than MaxAge or beyond
// MaxBytes and removes the segments nothing needs. Garbage in a segment is
// skipped and counted in Stats, never an error; an error means the directory
// cannot be used (locked by another agent, unreadable, written by a newer
// version) and says what to do.
func Open(o Options) (*Spool, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, ioError("create directory", o.Dir, err)
	}
	lock, err := lockDir(o.Dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{opts: o, lock: lock, index: map[ID]*entry{}, nextID: 1, dirDirty: true}
	if err := s.recover(); err != nil {
		s.release()
		return nil, err
	}
	return s, nil
}

// Pending returns the live records, oldest Time first (ties by ID): the order
// to replay them in. Read returns their bytes.
func (s *Spool) Pending() []Entry {
	s.mu.Lock()
	es := make([]*entry, 0, len(s.index))
	for _, e := range s.index {
		es = append(es, e)
	}
	s.mu.Unlock()
	slices.SortFunc(es, compareEntries)
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i] = Entry{ID: e.id, Time: time.Unix(0, e.nanos)}
	}
	return out
}

// Stats returns the spool's counts as of now.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Records = len(s.index)
	return st
}

// Close releases the directory. Everything already returned from Append and
// Ack is on disk; Close adds nothing to that. Calls after Close return
// ErrClosed; a second Close returns nil.
func (s *Spool) Close() error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return nil
	}
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return s.release()
}

// release closes the active segment and gives up the lock.
func (s *Spool) release() error {
	var errs []error
	if s.active != nil {
		errs = append(errs, s.active.f.Close())
		s.active.f, s.active = nil, nil
	}
	return errors.Join(append(errs, s.lock.Close())...)
}
