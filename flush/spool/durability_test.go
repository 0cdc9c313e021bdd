package spool

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpool_DurableWhenItReturns runs random appends (some dropped as too old
// or for room), acks, compactions and restarts on a watched disk: whenever
// Append or Ack returns nil, every byte written is synced and so is the
// directory after a new file; and no segment is removed while a file holding
// a record it acks is there, or gone without a directory sync since.
func TestSpool_DurableWhenItReturns(t *testing.T) {
	dir := t.TempDir()
	c := &clock{t0}
	d := newDisk(t)
	opts := []func(*Options){segmentBytes(300), maxBytes(3000), d.option, func(o *Options) { o.MaxAge = time.Hour }}
	s := openT(t, dir, c, opts...)
	d.durable()
	rng := rand.New(rand.NewPCG(3, 4))
	var live []ID
	var drops, compactions uint64 // over every process's life
	count := func() {
		st := s.Stats()
		drops += st.DroppedFull + st.DroppedTooOld
		compactions += st.Compactions
	}
	for i := range 3000 {
		switch r := rng.IntN(100); {
		case r < 50:
			at := c.now.Add(-time.Duration(rng.IntN(50)) * time.Minute)
			live = append(live, appendT(t, s, at, fmt.Sprintf("r%d-%s", i, make([]byte, rng.IntN(60)))))
		case r < 90:
			var ack []ID
			for range rng.IntN(4) {
				if len(live) > 0 {
					k := rng.IntN(len(live))
					ack = append(ack, live[k])
					live = slices.Delete(live, k, k+1)
				}
			}
			require.NoError(t, s.Ack(ack...))
		case r < 99:
			c.now = c.now.Add(10 * time.Minute)
		default:
			count()
			s = reopen(t, s, c, opts...)
		}
		d.durable()
	}
	count()
	require.NoError(t, s.Close())
	t.Logf("%d drops, %d compactions, %d directory syncs, %d removals", drops, compactions, countOf(d.events, "sync"), len(d.events)-countOf(d.events, "sync"))
	assert.Positive(t, drops)
	assert.Positive(t, compactions)
}

func countOf(events []string, e string) int {
	n := 0
	for _, x := range events {
		if x == e {
			n++
		}
	}
	return n
}

// The real osFile.Sync and syncDir reach the kernel: fsync of a pipe fails
// with EINVAL where a stub would return nil.
func TestSync_CallsTheKernel(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	require.ErrorIs(t, osFile{w}.Sync(), syscall.EINVAL)
	require.ErrorIs(t, syncDir(fmt.Sprintf("/proc/self/fd/%d", r.Fd())), syscall.EINVAL)
	require.NoError(t, syncDir(t.TempDir()))
}
