package spool

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Run with -race: writers that ack what they append, and readers of
// Pending, Read and Stats, on small segments so compaction and deletion run
// under them.
func TestSpool_ConcurrentUse(t *testing.T) {
	c := &clock{t0}
	s := openT(t, t.TempDir(), c, segmentBytes(2000))
	var wg sync.WaitGroup
	kept := make([][]ID, 4)
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				id, err := s.Append(t0.Add(time.Duration(i)), fmt.Appendf(nil, "w%d-%d", w, i))
				if !assert.NoError(t, err) {
					return
				}
				if i%10 == 0 {
					kept[w] = append(kept[w], id)
					continue
				}
				assert.NoError(t, s.Ack(id))
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				for _, e := range s.Pending() {
					if _, err := s.Read(e.ID); err != nil {
						assert.ErrorIs(t, err, ErrNotFound) // acked meanwhile
					}
				}
				// One snapshot: the live records' frames (of 4 or 5
				// bytes of data each) are within the files.
				st := s.Stats()
				assert.LessOrEqual(t, int64(st.Records)*dataFrameLen(4), st.Bytes, "%+v", st)
				assert.LessOrEqual(t, st.Bytes, int64(st.Records)*dataFrameLen(5), "%+v", st)
				assert.LessOrEqual(t, st.Bytes, st.DiskBytes, "%+v", st)
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	assert.Positive(t, s.Stats().Compactions, "compaction ran under the readers")

	s = reopen(t, s, c, segmentBytes(2000))
	defer s.Close()
	var want []ID
	for _, ids := range kept {
		want = append(want, ids...)
	}
	var got []ID
	for _, e := range s.Pending() {
		got = append(got, e.ID)
		_, err := s.Read(e.ID)
		require.NoError(t, err)
	}
	assert.ElementsMatch(t, want, got)
}
