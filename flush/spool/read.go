package spool

import (
	"errors"
	"fmt"
	"os"
)

// ErrCorrupt is wrapped by Read's error for a record whose frame no longer
// verifies (the disk changed it since Open). Ack such a record to drop it.
var ErrCorrupt = errors.New("checksum mismatch")

// Read returns the bytes of a live record. It reads the disk, so call it for
// one record at a time while replaying. An ID that is not live gives
// ErrNotFound.
func (s *Spool) Read(id ID) ([]byte, error) {
	for try := 0; ; try++ {
		path, off, size, err := s.locate(id)
		if err != nil {
			return nil, err
		}
		data, err := readRecord(path, off, size, id)
		if err == nil || try == 2 {
			return data, err
		}
		// Compaction may have moved it (and deleted the file) meanwhile.
		if p, o, _, lerr := s.locate(id); lerr != nil {
			return nil, lerr
		} else if p == path && o == off {
			return nil, err
		}
	}
}

func (s *Spool) locate(id ID) (path string, off, size int64, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", 0, 0, ErrClosed
	}
	e := s.index[id]
	if e == nil {
		return "", 0, 0, fmt.Errorf("spool: read record %d: %w", id, ErrNotFound)
	}
	return e.seg.path, e.off, e.size, nil
}

// readRecord reads the frame of record id and checks it.
func readRecord(path string, off, size int64, id ID) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, ioError("open", path, err)
	}
	defer f.Close()
	b := make([]byte, size)
	if _, err := f.ReadAt(b, off); err != nil {
		return nil, ioError("read", path, err)
	}
	got, _, data, ok := parseDataFrame(b)
	if !ok || got != id {
		return nil, fmt.Errorf("spool: record %d at offset %d of %s: %w: the disk changed it since the spool was opened; Ack it to drop it", id, off, path, ErrCorrupt)
	}
	return data, nil
}
