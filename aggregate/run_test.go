package aggregate

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/ingest/line"
)

func TestRun_ClosesOnWallClockBoundariesAndOnStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		time.Sleep(time.Until(time.Now().Truncate(time.Minute).Add(time.Minute + 17*time.Second)))
		start := time.Now().Truncate(10 * time.Second)
		a := New(Options{Period: 10 * time.Second})
		out := make(chan Batch, 10)
		stop := make(chan struct{})
		go a.Run(stop, out)

		var s line.Sample
		require.Equal(t, line.OK, line.Parse([]byte("hits:1|c"), &s))
		a.Fold(&s)
		time.Sleep(3 * time.Second) // crosses the boundary at start+10s
		synctest.Wait()
		require.Len(t, out, 1)
		b := <-out
		assert.Equal(t, start.UTC(), b.Start)
		assert.Equal(t, 1.0, b.Datums[0].Stats.Sum)

		time.Sleep(10 * time.Second) // an empty period sends nothing
		synctest.Wait()
		assert.Empty(t, out)

		a.Fold(&s)
		a.Fold(&s)
		close(stop)
		synctest.Wait()
		b, ok := <-out
		require.True(t, ok)
		assert.Equal(t, start.Add(20*time.Second).UTC(), b.Start, "the partial period keeps its start")
		assert.Equal(t, 2.0, b.Datums[0].Stats.Sum)
		_, ok = <-out
		assert.False(t, ok, "out is closed after stop")
	})
}

// Liveness: a flusher that stops taking batches shows as a stall once a
// period and the grace have passed without a handoff.
func TestRun_StalledWhenNobodyTakesTheBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := New(Options{Period: 10 * time.Second})
		out := make(chan Batch) // nobody reads yet
		stop := make(chan struct{})
		go a.Run(stop, out)
		var s line.Sample
		require.Equal(t, line.OK, line.Parse([]byte("hits:1|c"), &s))
		a.Fold(&s)
		time.Sleep(20 * time.Second)
		synctest.Wait()
		assert.NoError(t, a.Stalled(15*time.Second), "20s < period + grace")
		time.Sleep(10 * time.Second)
		err := a.Stalled(15 * time.Second)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "no period handed to the flusher for 30s (period 10s)")

		<-out // the flusher takes it
		synctest.Wait()
		assert.NoError(t, a.Stalled(15*time.Second))
		close(stop)
		for range out {
		}
	})
}
