package flush

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

// feed sends one batch a second for n seconds (fake time), then closes in.
func feed(in chan<- aggregate.Batch, n int, datums int) {
	for i := range n {
		in <- batch(time.Now().Truncate(time.Second), counters(fmt.Sprintf("s%02d", i), datums))
		time.Sleep(time.Second)
	}
	close(in)
}

func TestRun_ObeysTheRequestBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{}
		fl := New(pub, Options{Namespace: "StatsD", MaxDatums: 1, MaxRequestsPerSecond: 5, Burst: 1, MaxConcurrency: 4})
		in := make(chan aggregate.Batch, 1)
		in <- batch(time.Now(), counters("c", 20)) // 20 one-datum requests
		close(in)
		<-startRun(t.Context(), fl, in)
		calls := pub.Calls()
		require.Len(t, calls, 20)
		for i := 1; i < len(calls); i++ {
			assert.GreaterOrEqual(t, calls[i].at.Sub(calls[i-1].at), 200*time.Millisecond, "call %d", i)
		}
		assert.Equal(t, uint64(20), fl.Delivered.Load())
	})
}

// TestRun_TenSecondsOfThrottling is the scenario at unit level:
// CloudWatch throttles everything for 10 s while a batch arrives every
// second; the budget keeps the calls few, and nothing is lost.
func TestRun_TenSecondsOfThrottling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		pub := &memPub{fail: func(context.Context, int, *Request) error {
			if time.Since(start) < 10*time.Second {
				return errThrottle
			}
			return nil
		}}
		fl := New(pub, Options{Namespace: "StatsD", MaxRequestsPerSecond: 20, Burst: 5, MaxConcurrency: 4,
			Jitter: 500 * time.Millisecond})
		in := make(chan aggregate.Batch)
		go feed(in, 14, 10)
		done := startRun(t.Context(), fl, in)

		// Mid-storm, the state the agent reports shows it: data waiting,
		// the budget cut down.
		time.Sleep(8 * time.Second)
		synctest.Wait()
		assert.Positive(t, fl.QueueDepth()+fl.InFlight(), "requests waiting or in flight")
		if fl.QueueDepth() > 0 {
			assert.Positive(t, fl.QueueBytes(), "waiting requests count their bytes")
		}
		assert.Less(t, fl.Budget(), 20.0, "the budget shrank")
		<-done
		assert.Zero(t, fl.QueueDepth())
		assert.Zero(t, fl.QueueBytes())
		assert.Zero(t, fl.InFlight())

		var during, firstOK int
		var resumed time.Duration
		for i, c := range pub.Calls() {
			if c.at.Sub(start) < 10*time.Second {
				during++
			} else if c.err == nil && firstOK == 0 {
				firstOK, resumed = i, c.at.Sub(start)-10*time.Second
			}
		}
		t.Logf("throttled calls in 10s: %d; first delivery %v after the throttling ended; budget now %.2f/s",
			during, resumed, fl.Budget())
		assert.LessOrEqual(t, during, 30, "a few dozen calls at most")
		assert.Less(t, resumed, 10*time.Second)
		assert.Equal(t, uint64(140), fl.Delivered.Load(), "nothing lost")
		assert.Zero(t, fl.Drops.Total())
	})
}

func TestRun_BoundedConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var now, peak, calls int
		pub := publisherFunc(func(ctx context.Context, r *Request) error {
			mu.Lock()
			now++
			calls++
			peak = max(peak, now)
			mu.Unlock()
			time.Sleep(time.Second)
			mu.Lock()
			now--
			mu.Unlock()
			return nil
		})
		fl := New(pub, Options{Namespace: "StatsD", MaxDatums: 1, MaxConcurrency: 3})
		in := make(chan aggregate.Batch, 1)
		in <- batch(time.Now(), counters("c", 10))
		close(in)
		begin := time.Now()
		<-startRun(t.Context(), fl, in)
		assert.Equal(t, 3, peak)
		assert.Equal(t, 10, calls)
		assert.Equal(t, 4*time.Second, time.Since(begin), "ceil(10/3) rounds of 1s")
	})
}

type publisherFunc func(ctx context.Context, r *Request) error

func (f publisherFunc) Publish(ctx context.Context, r *Request) error { return f(ctx, r) }

func TestRun_QueueBoundDropsTheOldestFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		pub := &memPub{fail: func(context.Context, int, *Request) error {
			if time.Since(start) < 20*time.Second {
				return errThrottle
			}
			return nil
		}}
		one := (&Request{Namespace: "StatsD", Resolution: 60, Datums: counters("s00", 10)}).computeSize()
		fl := New(pub, Options{Namespace: "StatsD", MaxPendingBytes: int64(3*one + one/2)})
		in := make(chan aggregate.Batch)
		go feed(in, 6, 10) // 6 requests of `one` bytes; room for 3 (a request in backoff is queued)
		<-startRun(t.Context(), fl, in)
		assert.Equal(t, map[string]uint64{"queue_full": 30}, fl.Drops.Snapshot())
		assert.Equal(t, uint64(30), fl.Delivered.Load())
		var names []string
		for _, c := range pub.Calls() {
			if c.err == nil {
				names = append(names, c.req.Datums[0].Name[:3])
			}
		}
		assert.NotContains(t, names, "s02", "the oldest went first")
		assert.Contains(t, names, "s05", "the newest is kept")
	})
}

// TestRun_ARequestThatAlwaysFailsDoesNotHoldBackTheRest: a body that a proxy
// fails every time is split until the one bad datum is alone; everything
// else is delivered.
func TestRun_ARequestThatAlwaysFailsDoesNotHoldBackTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		defer cancel()
		pub := &memPub{fail: func(_ context.Context, _ int, r *Request) error {
			for _, d := range r.Datums {
				if d.Name == "c.0007" {
					return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
						Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 502}}, Err: io.EOF}}
				}
			}
			return nil
		}}
		fl := New(pub, Options{Namespace: "StatsD", MaxConcurrency: 2})
		in := make(chan aggregate.Batch, 2)
		in <- batch(time.Now(), counters("c", 100))
		in <- batch(time.Now(), counters("d", 100))
		close(in)
		<-startRun(ctx, fl, in)
		assert.Equal(t, uint64(199), fl.Delivered.Load())
		assert.Equal(t, map[string]uint64{"shutdown_timeout": 1}, fl.Drops.Snapshot(), "the bad one is still retried at the deadline")
	})
}

func TestRun_HonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{fail: func(_ context.Context, call int, _ *Request) error {
			if call > 0 {
				return nil
			}
			h := http.Header{"Retry-After": {"7"}}
			return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
				Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 503, Header: h, Body: io.NopCloser(&bytes.Buffer{})}},
				Err:      io.EOF}}
		}}
		fl := New(pub, Options{Namespace: "StatsD"})
		in := make(chan aggregate.Batch, 1)
		in <- batch(time.Now(), counters("c", 1))
		close(in)
		<-startRun(t.Context(), fl, in)
		calls := pub.Calls()
		require.Len(t, calls, 2)
		assert.GreaterOrEqual(t, calls[1].at.Sub(calls[0].at), 7*time.Second)
	})
}

func TestRun_AbandonCountsBatchesNotYetTaken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		block := make(chan struct{})
		pub := publisherFunc(func(ctx context.Context, r *Request) error {
			<-ctx.Done() // a black-holed endpoint
			close(block)
			return ctx.Err()
		})
		fl := New(pub, Options{Namespace: "StatsD", RequestTimeout: time.Hour})
		in := make(chan aggregate.Batch, 4)
		in <- batch(time.Now(), counters("a", 3))
		done := startRun(ctx, fl, in)
		synctest.Wait() // the call for "a" is in flight, the loop waits
		in <- batch(time.Now(), counters("b", 700))
		in <- batch(time.Now(), counters("c", 5))
		// the loop may or may not have taken them: either way they count
		cancel()
		<-done
		<-block
		assert.Equal(t, map[string]uint64{"shutdown_timeout": 708}, fl.Drops.Snapshot())
	})
}
