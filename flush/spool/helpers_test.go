package spool

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// t0 is the tests' wall clock start.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a settable Now.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

// openT opens a spool on dir with the test clock and any changes to the options.
func openT(t *testing.T, dir string, c *clock, mods ...func(*Options)) *Spool {
	t.Helper()
	o := Options{Dir: dir, Now: c.Now}
	for _, m := range mods {
		m(&o)
	}
	s, err := Open(o)
	require.NoError(t, err)
	return s
}

func appendT(t *testing.T, s *Spool, at time.Time, data string) ID {
	t.Helper()
	id, err := s.Append(at, []byte(data))
	require.NoError(t, err)
	return id
}

// contents reads every pending record, in Pending's order, as "data" strings.
func contents(t *testing.T, s *Spool) []string {
	t.Helper()
	var out []string
	for _, e := range s.Pending() {
		b, err := s.Read(e.ID)
		require.NoError(t, err, "record %d", e.ID)
		out = append(out, string(b))
	}
	return out
}

// pendingIDs lists the IDs of the pending records, in Pending's order.
func pendingIDs(s *Spool) []ID {
	var out []ID
	for _, e := range s.Pending() {
		out = append(out, e.ID)
	}
	return out
}

// segmentFiles lists the segment files in dir by name.
func segmentFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+segmentExt))
	require.NoError(t, err)
	for i := range m {
		m[i] = filepath.Base(m[i])
	}
	return m
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	require.NoError(t, err)
	return st.Size()
}

func reopen(t *testing.T, s *Spool, c *clock, mods ...func(*Options)) *Spool {
	t.Helper()
	require.NoError(t, s.Close())
	return openT(t, s.opts.Dir, c, mods...)
}

func segmentBytes(n int64) func(*Options) { return func(o *Options) { o.SegmentBytes = n } }
func maxBytes(n int64) func(*Options)     { return func(o *Options) { o.MaxBytes = n } }

// disk stands between the spool and its files (the openFile, syncDir and
// remove seams). It fails as its faults say, the way a full or failing disk
// does (running as root, chmod would not); it skips the fsyncs when noSync,
// so that the fuzzer spends its time scanning; and it watches. A segment file
// is dirty from a write or truncate until its Sync; a created file is not
// durable until the next syncDir; and each removal is checked against the
// files still there or whose removal is not synced yet: none of them may hold
// a record that the removed file acks (unless a file still there and no older
// than that one acks it too), or a crash could bring that record back.
type disk struct {
	t *testing.T
	faults
	noSync bool

	events  []string               // syncs and removals, in order
	dirty   map[string]bool        // files written since their last Sync
	created []string               // since the last syncDir
	removed map[string]map[ID]bool // since the last syncDir: the records they held
}

// faults are what disk makes fail, until cleared.
type faults struct {
	write, sync, truncate error // of segment files; a failed write writes half its bytes
	remove, dirSync       error // of segment files; of the directory
	writesOK              int   // writes that still succeed before write fails
}

func newDisk(t *testing.T) *disk {
	return &disk{t: t, dirty: map[string]bool{}, removed: map[string]map[ID]bool{}}
}

func (d *disk) clear() { d.faults = faults{} }

func (d *disk) option(o *Options) {
	o.openFile = func(name string, flag int, perm os.FileMode) (file, error) {
		f, err := openOSFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		if flag&os.O_CREATE != 0 {
			d.created = append(d.created, name)
		}
		return diskFile{f, d, name}, nil
	}
	o.syncDir = func(dir string) error {
		if d.dirSync != nil {
			d.events = append(d.events, "sync failed")
			return d.dirSync
		}
		if !d.noSync {
			if err := syncDir(dir); err != nil {
				return err
			}
		}
		d.events = append(d.events, "sync")
		d.created, d.removed = nil, map[string]map[ID]bool{}
		return nil
	}
	o.remove = func(name string) error {
		if d.remove != nil {
			return d.remove
		}
		d.events = append(d.events, "remove "+filepath.Base(name))
		held, acks := d.scan(name)
		type file struct {
			name          string
			records, acks map[ID]bool
			state         string
		}
		var files []file
		for _, other := range segmentFiles(d.t, filepath.Dir(name)) {
			if other = filepath.Join(filepath.Dir(name), other); other != name {
				records, acks := d.scan(other)
				files = append(files, file{other, records, acks, "still there"})
			}
		}
		kept := len(files)
		for other, records := range d.removed {
			files = append(files, file{other, records, nil, "removed without a directory sync since"})
		}
		for id := range acks {
			for _, q := range files {
				if q.records[id] && !slices.ContainsFunc(files[:kept], func(r file) bool { return r.acks[id] && r.name >= q.name }) {
					d.t.Errorf("%s removed with the ack of record %d, which %s (%s) holds", filepath.Base(name), id, filepath.Base(q.name), q.state)
				}
			}
		}
		if err := os.Remove(name); err != nil {
			return err
		}
		d.removed[name] = held
		delete(d.dirty, name)
		return nil
	}
}

// scan returns the records of a segment file and the IDs its ack frames
// name, as Open would read them.
func (d *disk) scan(name string) (records, acks map[ID]bool) {
	records, acks = map[ID]bool{}, map[ID]bool{}
	f, err := os.Open(name)
	require.NoError(d.t, err)
	defer f.Close()
	st, err := f.Stat()
	require.NoError(d.t, err)
	_, err = newScanner().scan(f, st.Size(), visitor{
		data: func(id ID, _, _, _ int64) { records[id] = true },
		acks: func(ids []ID) {
			for _, id := range ids {
				acks[id] = true
			}
		},
	})
	if !errors.Is(err, errNewerVersion) {
		require.NoError(d.t, err)
	}
	return records, acks
}

// durable fails the test unless everything written so far is on disk: what
// Append and Ack promise when they return.
func (d *disk) durable() {
	d.t.Helper()
	require.Empty(d.t, slices.Sorted(maps.Keys(d.dirty)), "written, not synced")
	require.Empty(d.t, d.created, "created, the directory not synced")
}

// syncedBetween reports whether the directory was synced after the removal
// of first and before that of second (both must have been removed).
func (d *disk) syncedBetween(first, second string) bool {
	d.t.Helper()
	i := slices.Index(d.events, "remove "+filepath.Base(first))
	k := slices.Index(d.events, "remove "+filepath.Base(second))
	require.True(d.t, i >= 0 && k > i, "%s removed, then %s: %q", first, second, d.events)
	return slices.Contains(d.events[i:k], "sync")
}

// diskFile is a segment file opened through disk.
type diskFile struct {
	file
	d    *disk
	name string
}

// WriteAt writes half of p before it fails, like a disk filling up mid-frame.
func (f diskFile) WriteAt(p []byte, off int64) (int, error) {
	f.d.dirty[f.name] = true
	if f.d.write != nil && f.d.writesOK > 0 {
		f.d.writesOK--
	} else if f.d.write != nil {
		n, _ := f.file.WriteAt(p[:len(p)/2], off)
		return n, &os.PathError{Op: "write", Path: f.name, Err: f.d.write}
	}
	return f.file.WriteAt(p, off)
}

func (f diskFile) Truncate(n int64) error {
	if f.d.truncate != nil {
		return f.d.truncate
	}
	f.d.dirty[f.name] = true
	return f.file.Truncate(n)
}

func (f diskFile) Sync() error {
	if f.d.sync != nil {
		return f.d.sync
	}
	if !f.d.noSync {
		if err := f.file.Sync(); err != nil {
			return err
		}
	}
	delete(f.d.dirty, f.name)
	return nil
}

// damage flips the bits of the last byte of e's frame on disk, so that it no
// longer verifies; damaging it again undoes that.
func damage(t *testing.T, e *entry) {
	t.Helper()
	f, err := os.OpenFile(e.seg.path, os.O_RDWR, 0)
	require.NoError(t, err)
	defer f.Close()
	b := make([]byte, 1)
	_, err = f.ReadAt(b, e.off+e.size-1)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{^b[0]}, e.off+e.size-1)
	require.NoError(t, err)
}
