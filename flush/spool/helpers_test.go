package spool

import (
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
		require.Equal(t, e.Size, len(b))
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

// journal records, in order, the directory syncs and segment removals the
// spool makes. While syncErr is set, syncDir fails with it.
type journal struct {
	events  []string
	syncErr error
}

func (j *journal) option(o *Options) {
	o.syncDir = func(dir string) error {
		if j.syncErr != nil {
			j.events = append(j.events, "sync failed")
			return j.syncErr
		}
		j.events = append(j.events, "sync")
		return syncDir(dir)
	}
	o.remove = func(name string) error {
		j.events = append(j.events, "remove "+filepath.Base(name))
		return os.Remove(name)
	}
}

// syncedBetween reports whether the directory was synced after the removal
// of first and before that of second (both must have been removed).
func (j *journal) syncedBetween(t *testing.T, first, second string) bool {
	t.Helper()
	i := slices.Index(j.events, "remove "+filepath.Base(first))
	k := slices.Index(j.events, "remove "+filepath.Base(second))
	require.True(t, i >= 0 && k > i, "%s removed, then %s: %q", first, second, j.events)
	return slices.Contains(j.events[i:k], "sync")
}
