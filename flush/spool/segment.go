package spool

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

const segmentExt = ".seg"

// segment is one file of the log. Its fields are owned by the writer (the
// goroutine holding Spool.wmu), except path and base, which never change.
type segment struct {
	base uint64 // from the name: sorts segments in creation order
	path string
	size int64 // bytes in the file; for the active segment, where the next frame goes
	f    file  // open for writing while this is the active segment, else nil

	live int // records whose current copy is here and that are not acked
	// ackedBy counts, per newer segment, what it holds for records that were
	// here: their acks, and the copies compaction made of them (whose file
	// gets the ack, or pins the one that does). While this file exists its
	// copies of those records would be live again without them; once it is
	// gone they are no longer needed.
	ackedBy map[*segment]int
	pins    int // what is held here for records in older files that still exist
	// heldAcks is set once this file held an ack or copy for a record of an
	// older file: it is removed only after those files' removal is durable.
	heldAcks bool
}

// pin records that newer holds an ack or a later copy of a record that seg
// has a copy of: newer stays for as long as seg does.
func (seg *segment) pin(newer *segment) {
	seg.ackedBy[newer]++
	newer.pins++
	newer.heldAcks = true
}

func segmentName(base uint64) string { return fmt.Sprintf("%020d%s", base, segmentExt) }

// parseSegmentName returns the base of a segment file name; ok is false for
// any other file (the lock, an editor's backup, ...).
func parseSegmentName(name string) (base uint64, ok bool) {
	digits, found := strings.CutSuffix(name, segmentExt)
	if !found || len(digits) != 20 {
		return 0, false
	}
	base, err := strconv.ParseUint(digits, 10, 64)
	return base, err == nil
}

// listSegments returns the segment files of dir, oldest first.
func listSegments(dir string) ([]*segment, error) {
	des, err := os.ReadDir(dir)
	if err != nil {
		return nil, ioError("read directory", dir, err)
	}
	var segs []*segment
	for _, de := range des {
		base, ok := parseSegmentName(de.Name())
		if !ok || !de.Type().IsRegular() {
			continue
		}
		segs = append(segs, &segment{base: base, path: filepath.Join(dir, de.Name()), ackedBy: map[*segment]int{}})
	}
	slices.SortFunc(segs, func(a, b *segment) int { return cmp.Compare(a.base, b.base) })
	return segs, nil
}
