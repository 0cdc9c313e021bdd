package flush

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

// A reload raises the request budget and sets a jitter on a running
// Flusher; every call's outcome and duration reach ObserveCall.
func TestSetLimits_ChangeBudgetAndJitterLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{}
		var mu sync.Mutex
		observed := map[string]int{}
		fl := New(pub, Options{Namespace: "StatsD", MaxRequestsPerSecond: 1, Burst: 1,
			Rand: func(n int64) int64 { return n - 1 },
			ObserveCall: func(outcome string, d time.Duration) {
				mu.Lock()
				observed[outcome]++
				mu.Unlock()
			}})
		in := make(chan aggregate.Batch)
		done := startRun(t.Context(), fl, in)
		t0 := time.Now()
		for i := range 3 {
			in <- batch(t0.Add(-time.Duration(i+1)*time.Minute), counters("c", 2))
		}
		synctest.Wait()
		require.Len(t, pub.Calls(), 1, "1 call/s, burst 1")
		time.Sleep(time.Second + time.Millisecond) // a token, and take's 1ms margin
		synctest.Wait()
		require.Len(t, pub.Calls(), 2)

		fl.SetLimits(Limits{MaxRequestsPerSecond: 100, Burst: 10, Jitter: 4 * time.Second})
		synctest.Wait()
		assert.Equal(t, 100.0, fl.Budget(), "the untouched budget starts at the new ceiling")
		time.Sleep(11 * time.Millisecond) // 1/100 s, not 1 s
		synctest.Wait()
		require.Len(t, pub.Calls(), 3, "the third went at the new rate")

		in <- batch(t0, counters("c", 2))
		time.Sleep(4*time.Second - 2*time.Nanosecond)
		synctest.Wait()
		assert.Len(t, pub.Calls(), 3, "a new batch waits the new jitter")
		time.Sleep(2 * time.Nanosecond)
		synctest.Wait()
		assert.Len(t, pub.Calls(), 4)

		fl.SetLimits(Limits{}) // no budget at all
		close(in)
		<-done
		mu.Lock()
		assert.Equal(t, map[string]int{"delivered": 4}, observed)
		mu.Unlock()
	})
}

func TestBudget_ResizeKeepsAThrottledShare(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBudget(20, 5, t0)
	b.throttled(t0, t0)
	require.Equal(t, 10.0, b.perSecond())
	nb := b.resize(40, 2, t0)
	assert.Equal(t, 20.0, nb.perSecond(), "half of the old ceiling -> half of the new")
	assert.Equal(t, 0.0, nb.tokens, "a throttle spent the tokens; resizing does not refill them")
	assert.Nil(t, nb.resize(0, 2, t0), "0: no budget")
	var none *budget
	assert.Equal(t, 3.0, none.resize(3, 1, t0).perSecond())
}
