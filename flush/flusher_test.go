package flush

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/test/fakecw"
)

// ---- helpers shared by the package's tests ----

// newSDK is the real SDK client configured as the agent configures it: the
// SDK's retryer off, so the Flusher sees every answer.
func newSDK(url string) *cloudwatch.Client {
	return cloudwatch.New(cloudwatch.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer:     aws.NopRetryer{},
	})
}

// newFake starts a fake CloudWatch and returns it with a Publisher speaking
// to it through the real SDK. Whatever the test does, the fake must never see
// a request CloudWatch would reject.
func newFake(t *testing.T) (*fakecw.Server, Publisher) {
	t.Helper()
	srv := fakecw.New()
	t.Cleanup(func() {
		srv.Close()
		assert.Empty(t, srv.Violations(), "fakecw saw requests CloudWatch would reject")
	})
	return srv, CloudWatch{API: newSDK(srv.URL())}
}

func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// counters returns n distinct counter datums named prefix.NNNN whose
// statistics differ, so a datum delivered twice or swapped shows.
func counters(prefix string, n int) []aggregate.Datum {
	ds := make([]aggregate.Datum, n)
	for i := range ds {
		ds[i] = aggregate.Datum{
			Name: fmt.Sprintf("%s.%04d", prefix, i), Unit: aggregate.UnitCount,
			Dimensions: []aggregate.Dimension{{Name: "host", Value: "web-1"}},
			Stats: aggregate.StatisticSet{SampleCount: float64(i + 1), Sum: float64(2*i) + 0.5,
				Minimum: 0.25, Maximum: float64(i) + 1},
		}
	}
	return ds
}

// clone deep-copies datums: the Flusher may reuse a batch's memory.
func clone(ds []aggregate.Datum) []aggregate.Datum {
	out := make([]aggregate.Datum, len(ds))
	for i, d := range ds {
		d.Dimensions = slices.Clone(d.Dimensions)
		d.Values = slices.Clone(d.Values)
		d.Counts = slices.Clone(d.Counts)
		out[i] = d
	}
	return out
}

func batch(start time.Time, ds []aggregate.Datum) aggregate.Batch {
	return aggregate.Batch{Start: start, Resolution: 60, Datums: ds}
}

// wire is what fakecw decodes when d is sent in a request of namespace ns.
func wire(ns string, ts time.Time, res int, d aggregate.Datum) fakecw.Datum {
	w := fakecw.Datum{Namespace: ns, MetricName: d.Name, Timestamp: ts.UTC().Truncate(time.Millisecond),
		Values: slices.Clone(d.Values), Counts: slices.Clone(d.Counts), Unit: d.Unit, StorageResolution: res}
	if d.Dimensions != nil {
		w.Dimensions = make([]fakecw.Dimension, 0, len(d.Dimensions))
		for _, dm := range d.Dimensions {
			w.Dimensions = append(w.Dimensions, fakecw.Dimension(dm))
		}
	}
	if d.HasValue {
		v := d.Value
		w.Value = &v
	} else {
		s := fakecw.StatisticSet(d.Stats)
		w.StatisticValues = &s
	}
	return w
}

func wires(ns string, b aggregate.Batch) []fakecw.Datum {
	out := make([]fakecw.Datum, len(b.Datums))
	for i, d := range b.Datums {
		out[i] = wire(ns, b.Start, b.Resolution, d)
	}
	return out
}

// assertDatums compares datums in order (what fakecw accepted with what was
// meant to arrive, or what was packed with what was given), reporting the
// first difference rather than two lists of thousands.
func assertDatums[D any](t *testing.T, want, got []D, msgAndArgs ...any) bool {
	t.Helper()
	for i := range min(len(want), len(got)) {
		if !assert.Equal(t, want[i], got[i], "datum %d differs", i) {
			return false
		}
	}
	return assert.Equal(t, len(want), len(got), msgAndArgs...)
}

// assertSameDatums is assertDatums for multisets: with retries and several
// calls in flight, the order of delivery is not part of the contract.
func assertSameDatums[D any](t *testing.T, want, got []D, msgAndArgs ...any) bool {
	t.Helper()
	return assertDatums(t, sortedByPrint(want), sortedByPrint(got), msgAndArgs...)
}

// fastOpts keep real-time retries short; tests using them assert outcomes,
// never durations.
func fastOpts() Options {
	return Options{Namespace: "StatsD", BackoffBase: time.Millisecond, BackoffCap: 5 * time.Millisecond,
		RequestTimeout: 5 * time.Second}
}

// deliver runs a Flusher over batches with in already closed (a shutdown)
// and returns it once Run has returned. The batches are copied first.
func deliver(t *testing.T, pub Publisher, o Options, batches ...aggregate.Batch) *Flusher {
	t.Helper()
	f := New(pub, o)
	in := make(chan aggregate.Batch, len(batches))
	for _, b := range batches {
		b.Datums = clone(b.Datums)
		in <- b
	}
	close(in)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	f.Run(ctx, in)
	require.NoError(t, ctx.Err(), "Run returned only at its deadline")
	return f
}

// outcomes returns the Flusher's request counts by outcome name, zeros left
// out.
func outcomes(f *Flusher) map[string]uint64 {
	m := map[string]uint64{}
	for o := range numOutcomes {
		if n := f.Requests[o].Load(); n > 0 {
			m[o.String()] = n
		}
	}
	return m
}

// memPub is an in-memory Publisher recording each call at the (synctest)
// time it was made. fail, when set, decides each call's error from its
// 0-based index.
type memPub struct {
	mu    sync.Mutex
	calls []pubCall
	fail  func(ctx context.Context, call int, r *Request) error
}

type pubCall struct {
	at  time.Time
	req *Request
	err error
}

func (p *memPub) Publish(ctx context.Context, r *Request) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	if p.fail != nil {
		err = p.fail(ctx, len(p.calls), r)
	}
	p.calls = append(p.calls, pubCall{at: time.Now(), req: r, err: err})
	return err
}

func (p *memPub) Calls() []pubCall {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.calls)
}

// startRun runs f in a goroutine; the channel yields the time Run returned.
func startRun(ctx context.Context, f *Flusher, in <-chan aggregate.Batch) <-chan time.Time {
	done := make(chan time.Time, 1)
	go func() {
		f.Run(ctx, in)
		done <- time.Now()
	}()
	return done
}

var (
	errReset    = errors.New("read tcp 127.0.0.1:1234->127.0.0.1:443: read: connection reset by peer")
	errThrottle = &smithy.GenericAPIError{Code: "Throttling", Message: "Rate exceeded"}
)

// ---- timing, with synctest and an in-memory publisher ----

func TestRun_JitterDelaysEachBatch(t *testing.T) {
	const jitter = 10 * time.Second
	f := func(name string, rnd func(n int64) int64, gaps ...time.Duration) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var draws []int64
				pub := &memPub{}
				fl := New(pub, Options{Namespace: "StatsD", Jitter: jitter, Rand: func(n int64) int64 {
					assert.Equal(t, int64(jitter), n)
					v := rnd(n)
					draws = append(draws, v)
					return v
				}})
				in := make(chan aggregate.Batch) // unbuffered: a send returns once Run holds the batch
				done := startRun(t.Context(), fl, in)
				t0 := time.Now()
				arrived := map[time.Time]time.Time{} // batch Start -> when it reached Run
				index := map[time.Time]int{}
				for i, gap := range gaps {
					time.Sleep(gap)
					start := t0.Add(-time.Duration(i+1) * time.Minute)
					in <- batch(start, counters("c", 3))
					arrived[start], index[start] = time.Now(), i
				}
				time.Sleep(jitter) // every delay has passed before the shutdown
				close(in)
				<-done

				calls := pub.Calls()
				require.Len(t, calls, len(gaps))
				require.Len(t, draws, len(gaps))
				for _, c := range calls {
					i := index[c.req.Timestamp]
					delay := c.at.Sub(arrived[c.req.Timestamp])
					assert.Equal(t, time.Duration(draws[i]), delay, "batch %d", i)
					assert.GreaterOrEqual(t, delay, time.Duration(0), "batch %d", i)
					assert.Less(t, delay, jitter, "batch %d", i)
				}
				assert.Equal(t, uint64(3*len(gaps)), fl.Delivered.Load())
			})
		})
	}
	seq := func(vs ...int64) func(int64) int64 {
		return func(int64) int64 { v := vs[0]; vs = vs[1:]; return v }
	}
	f("seeded", rand.New(rand.NewPCG(1, 2)).Int64N,
		0, time.Second, 2500*time.Millisecond, 0, 0, 7*time.Second, 30*time.Second, time.Millisecond)
	f("edges of [0, Jitter)", seq(0, int64(jitter)-1, 1, int64(jitter)-1),
		0, 0, time.Second, 9*time.Second)
	f("later batch due first", seq(int64(9*time.Second), int64(time.Second)), 0, time.Second)
}

func TestRun_ZeroJitterSendsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{}
		fl := New(pub, Options{Namespace: "StatsD", Rand: func(int64) int64 {
			t.Error("Rand called with no jitter and no failure")
			return 0
		}})
		in := make(chan aggregate.Batch)
		done := startRun(t.Context(), fl, in)
		var sent []time.Time
		for i, gap := range []time.Duration{0, time.Second, 0, time.Minute} {
			time.Sleep(gap)
			in <- batch(time.Now().Add(-time.Duration(i)*time.Minute), counters("c", 2))
			sent = append(sent, time.Now())
			synctest.Wait() // Run has sent it, at this same instant
			require.Len(t, pub.Calls(), i+1)
		}
		close(in)
		<-done
		calls := pub.Calls()
		for i, c := range calls {
			assert.Equal(t, sent[i], c.at, "batch %d", i)
		}
	})
}

func TestRun_ClosingInSendsPendingBatchesAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{}
		fl := New(pub, Options{Namespace: "StatsD", Jitter: time.Hour,
			Rand: func(n int64) int64 { return n - 1 }}) // every batch would wait ~1h
		in := make(chan aggregate.Batch)
		done := startRun(t.Context(), fl, in)
		for i := range 3 {
			in <- batch(time.Now().Add(-time.Duration(i)*time.Minute), counters("c", 1000))
			time.Sleep(time.Second)
		}
		time.Sleep(time.Minute)
		synctest.Wait()
		require.Empty(t, pub.Calls(), "sent before its jitter")

		closed := time.Now()
		close(in)
		returned := <-done
		calls := pub.Calls()
		require.Len(t, calls, 3)
		for _, c := range calls {
			assert.Equal(t, closed, c.at)
		}
		assert.Equal(t, closed, returned)
		assert.Equal(t, uint64(3000), fl.Delivered.Load())
		assert.Zero(t, fl.Drops.Total())
	})
}

func TestRun_BackoffIsFullJitter(t *testing.T) {
	f := func(name string, failures int, err error, o outcome, base, ceiling time.Duration, rnd func(int64) int64) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				type draw struct{ n, v int64 }
				var draws []draw
				pub := &memPub{fail: func(_ context.Context, call int, _ *Request) error {
					if call < failures {
						return err
					}
					return nil
				}}
				fl := New(pub, Options{Namespace: "StatsD", BackoffBase: base, BackoffCap: ceiling,
					Rand: func(n int64) int64 {
						v := rnd(n)
						draws = append(draws, draw{n, v})
						return v
					}})
				in := make(chan aggregate.Batch, 1)
				in <- batch(time.Now(), counters("c", 1)) // one datum: never split
				close(in)
				<-startRun(t.Context(), fl, in)

				calls := pub.Calls()
				require.Len(t, calls, failures+1)
				require.Len(t, draws, failures)
				for attempt := 1; attempt <= failures; attempt++ {
					bound := ceiling
					if attempt < 30 {
						bound = min(ceiling, base<<attempt)
					}
					gap := calls[attempt].at.Sub(calls[attempt-1].at)
					assert.Equal(t, int64(bound), draws[attempt-1].n, "attempt %d", attempt)
					assert.Equal(t, time.Duration(draws[attempt-1].v), gap, "attempt %d", attempt)
					assert.GreaterOrEqual(t, gap, time.Duration(0), "attempt %d", attempt)
					assert.Less(t, gap, bound, "attempt %d", attempt)
				}
				assert.Equal(t, uint64(failures), fl.Retries.Get(int(o)))
				assert.Equal(t, uint64(failures), fl.Retries.Total())
				assert.Equal(t, map[string]uint64{o.String(): uint64(failures), "delivered": 1}, outcomes(fl))
				assert.Equal(t, uint64(1), fl.Delivered.Load())
				assert.Zero(t, fl.Drops.Total())
			})
		})
	}
	f("network errors, seeded", 12, errReset, retry, 100*time.Millisecond, 5*time.Second,
		rand.New(rand.NewPCG(3, 4)).Int64N)
	f("throttling, longest waits", 12, errThrottle, throttled, 100*time.Millisecond, 5*time.Second,
		func(n int64) int64 { return n - 1 })
	f("server faults, no wait", 5, &smithy.GenericAPIError{Code: "InternalServiceError", Fault: smithy.FaultServer},
		retry, time.Second, time.Minute, func(int64) int64 { return 0 })
	f("defaults, capped", 40, errThrottle, throttled, 100*time.Millisecond, 30*time.Second,
		func(n int64) int64 { return n / 2 })
}

func TestBackoff_Bounds(t *testing.T) {
	f := func(base, ceiling time.Duration, attempt int, want time.Duration) {
		t.Helper()
		var got int64 = -1
		fl := New(&memPub{}, Options{BackoffBase: base, BackoffCap: ceiling, Rand: func(n int64) int64 {
			got = n
			return n - 1
		}})
		assert.Equal(t, want-1, fl.backoff(attempt), "base %v attempt %d", base, attempt)
		assert.Equal(t, int64(want), got, "base %v attempt %d", base, attempt)
	}
	f(100*time.Millisecond, 30*time.Second, 1, 200*time.Millisecond)
	f(100*time.Millisecond, 30*time.Second, 5, 3200*time.Millisecond)
	f(100*time.Millisecond, 30*time.Second, 8, 25600*time.Millisecond)
	f(100*time.Millisecond, 30*time.Second, 9, 30*time.Second)
	f(100*time.Millisecond, 30*time.Second, 29, 30*time.Second)
	f(100*time.Millisecond, 30*time.Second, 30, 30*time.Second)
	f(100*time.Millisecond, 30*time.Second, 1000, 30*time.Second)
	f(0, 0, 3, 800*time.Millisecond) // defaults
}

func TestBackoff_LargeBaseDoesNotOverflow(t *testing.T) {
	for attempt := range 64 {
		fl := New(&memPub{}, Options{BackoffBase: 20 * time.Second, BackoffCap: time.Minute, Rand: func(n int64) int64 {
			require.Positive(t, n, "attempt %d", attempt)
			return n - 1
		}})
		d := fl.backoff(attempt)
		assert.GreaterOrEqual(t, d, time.Duration(0), "attempt %d", attempt)
		assert.Less(t, d, time.Minute, "attempt %d", attempt)
	}
}

func TestRun_ShutdownDeadlineDropsWhatIsLeft(t *testing.T) {
	const deadline = 20 * time.Second
	f := func(name string, o Options, fail func(ctx context.Context, call int, r *Request) error, closeIn bool,
		wantDelivered uint64, wantCalls func(n int) bool) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pub := &memPub{fail: fail}
				o.Namespace = "StatsD"
				fl := New(pub, o)
				ctx, cancel := context.WithTimeout(t.Context(), deadline)
				defer cancel()
				in := make(chan aggregate.Batch, 2)
				t0 := time.Now()
				in <- batch(t0, counters("a", 2500))
				in <- batch(t0.Add(-time.Minute), counters("b", 10))
				if closeIn {
					close(in)
				}
				returned := <-startRun(ctx, fl, in)

				assert.Equal(t, t0.Add(deadline), returned, "Run returns at the deadline")
				assert.Equal(t, wantDelivered, fl.Delivered.Load())
				assert.Equal(t, map[string]uint64{"shutdown_timeout": 2510 - wantDelivered}, fl.Drops.Snapshot())
				assert.True(t, wantCalls(len(pub.Calls())), "%d calls", len(pub.Calls()))
			})
		})
	}
	always := func(err error) func(context.Context, int, *Request) error {
		return func(context.Context, int, *Request) error { return err }
	}
	many := func(n int) bool { return n > 3 } // backoff waits 0.1s, 0.2s, 0.4s, ... on average
	f("network errors, in closed", Options{}, always(errReset), true, 0, many)
	f("throttled, in closed", Options{}, always(errThrottle), true, 0, many)
	f("throttled, in open", Options{}, always(errThrottle), false, 0, many)
	f("first request delivered, then 5xx", Options{}, func(_ context.Context, call int, _ *Request) error {
		if call == 0 {
			return nil
		}
		return &smithy.GenericAPIError{Code: "InternalServiceError", Fault: smithy.FaultServer}
	}, true, 1000, many)
	f("a call still in flight", Options{RequestTimeout: time.Minute}, func(ctx context.Context, _ int, _ *Request) error {
		<-ctx.Done()
		return ctx.Err()
	}, true, 0, func(n int) bool { return n == 1 })
	f("batches still waiting for their jitter", Options{Jitter: time.Hour, Rand: func(n int64) int64 { return n / 2 }},
		nil, false, 0, func(n int) bool { return n == 0 })
}

func TestRun_DeliveredAsTheDeadlinePassesIsNotDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		pub := &memPub{fail: func(context.Context, int, *Request) error {
			cancel() // the deadline passes while the response is on its way
			return nil
		}}
		fl := New(pub, Options{Namespace: "StatsD"})
		in := make(chan aggregate.Batch, 1)
		in <- batch(time.Now(), counters("c", 3))
		close(in)
		<-startRun(ctx, fl, in)
		require.Len(t, pub.Calls(), 1)
		assert.Equal(t, uint64(3), fl.Delivered.Load())
		assert.Zero(t, fl.Drops.Get(dropShutdown))
	})
}

func TestRun_TimestampsCloudWatchWouldRefuse(t *testing.T) {
	f := func(name string, age time.Duration, fail func(call int) error, wantCalls int,
		wantDelivered uint64, wantDrops map[string]uint64) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				pub := &memPub{fail: func(_ context.Context, call int, _ *Request) error { return fail(call) }}
				fl := New(pub, Options{Namespace: "StatsD", BackoffCap: 10 * time.Second})
				in := make(chan aggregate.Batch, 1)
				in <- batch(time.Now().Add(-age), counters("c", 5))
				close(in)
				<-startRun(t.Context(), fl, in)
				assert.Len(t, pub.Calls(), wantCalls)
				assert.Equal(t, wantDelivered, fl.Delivered.Load())
				assert.Equal(t, wantDrops, fl.Drops.Snapshot())
			})
		})
	}
	once := func(err error) func(int) error {
		return func(call int) error {
			if call == 0 {
				return err
			}
			return nil
		}
	}
	tooOld := aggregate.MaxAge + time.Minute
	// Too old is found before the first call: CloudWatch would refuse it.
	f("network error", tooOld, once(errReset), 0, 0, map[string]uint64{"too_old": 5})
	f("throttled", tooOld, once(errThrottle), 0, 0, map[string]uint64{"too_old": 5})
	f("would succeed: still refused by CloudWatch", tooOld, once(nil), 0, 0, map[string]uint64{"too_old": 5})
	f("young enough: retried", aggregate.MaxAge-time.Hour, once(errReset), 2, 5, map[string]uint64{})
	f("from the future (a clock stepped back)", -3*time.Hour, once(nil), 0, 0, map[string]uint64{"too_new": 5})
}

func TestRun_TurnsTooOldWhileRetrying(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{fail: func(context.Context, int, *Request) error { return errThrottle }}
		fl := New(pub, Options{Namespace: "StatsD", BackoffCap: 10 * time.Second})
		in := make(chan aggregate.Batch, 1)
		t0 := time.Now()
		in <- batch(t0.Add(-aggregate.MaxAge+time.Minute), counters("c", 5))
		close(in)
		returned := <-startRun(t.Context(), fl, in)
		calls := pub.Calls()
		require.Greater(t, len(calls), 2)
		// Every call went out while the data was young enough; the retry due
		// after it turned too old is dropped before it is sent.
		assert.LessOrEqual(t, calls[len(calls)-1].at.Sub(t0), time.Minute)
		assert.Greater(t, returned.Sub(t0), time.Minute)
		assert.Equal(t, map[string]uint64{"too_old": 5}, fl.Drops.Snapshot())
		assert.Equal(t, uint64(len(calls)), fl.Retries.Get(int(throttled)))
	})
}

// ---- against the fake CloudWatch, through the real SDK ----

func TestFlusher_DeliversEveryDatumOnce(t *testing.T) {
	t.Parallel() // real SDK and network: the slowest tests of the package
	srv, pub := newFake(t)
	now := time.Now().Truncate(time.Minute)
	timer := aggregate.Datum{Name: "latency", Unit: aggregate.UnitMilliseconds,
		Dimensions: []aggregate.Dimension{{Name: "env", Value: "prod"}, {Name: "route", Value: "/api/v1"}},
		Stats:      aggregate.StatisticSet{SampleCount: 6, Sum: 21, Minimum: 1, Maximum: 10},
		Values:     []float64{1, 2.5, 10}, Counts: []float64{2, 3, 1}}
	set := aggregate.Datum{Name: "users", Unit: aggregate.UnitCount, HasValue: true, Value: 17}
	gauge := aggregate.Datum{Name: "queue", Unit: aggregate.UnitNone, HasValue: true, Value: 0}
	b1 := batch(now.Add(-time.Minute), append(counters("c", 2497), timer, set, gauge))
	b2 := aggregate.Batch{Start: now.Add(-2 * time.Second), Resolution: 1, Datums: counters("hi", 10)}

	fl := deliver(t, pub, fastOpts(), b1, b2)

	assertSameDatums(t, append(wires("StatsD", b1), wires("StatsD", b2)...), srv.Datums())
	assert.Len(t, srv.Requests(), 4)
	assert.Equal(t, uint64(2510), fl.Delivered.Load())
	assert.Equal(t, map[string]uint64{"delivered": 4}, outcomes(fl))
	assert.Zero(t, fl.Drops.Total())
	assert.Zero(t, fl.Retries.Total())
}

func TestFlusher_RetriesUntilDelivered(t *testing.T) {
	t.Parallel() // real SDK and network: the slowest tests of the package
	f := func(name string, fault fakecw.Fault, n int, o outcome) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, pub := newFake(t)
			srv.FailNext(n, fault)
			b := batch(time.Now().Truncate(time.Minute), counters("c", 2500))
			fl := deliver(t, pub, fastOpts(), b)

			assertSameDatums(t, wires("StatsD", b), srv.Datums(), "each datum delivered once")
			// Three failures of one request in a row split it (splitAfter),
			// so up to one more request can be accepted.
			accepted := len(srv.Accepted())
			assert.Contains(t, []int{3, 4}, accepted)
			assert.Len(t, srv.Requests(), accepted+n)
			assert.Equal(t, uint64(2500), fl.Delivered.Load())
			assert.Equal(t, uint64(n), fl.Retries.Get(int(o)))
			assert.Equal(t, uint64(n), fl.Retries.Total())
			assert.Equal(t, map[string]uint64{"delivered": uint64(accepted), o.String(): uint64(n)}, outcomes(fl))
			assert.Zero(t, fl.Drops.Total())
		})
	}
	f("Throttling", fakecw.Throttling(), 6, throttled)
	f("429 with an empty body", fakecw.Fault{Status: http.StatusTooManyRequests, Body: []byte{}}, 3, throttled)
	f("InternalError", fakecw.InternalError(), 4, retry)
	f("502 from a proxy", fakecw.Fault{Status: http.StatusBadGateway, Body: []byte("<html><h1>502 Bad Gateway</h1></html>")}, 2, retry)
}

func TestFlusher_TooLargeSplits(t *testing.T) {
	t.Parallel() // real SDK and network: the slowest tests of the package
	f := func(name string, datums, failures int, wantRequests int, wantDelivered uint64, wantDrops map[string]uint64) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, pub := newFake(t)
			srv.FailNext(failures, fakecw.TooLarge())
			b := batch(time.Now().Truncate(time.Minute), counters("c", datums))
			fl := deliver(t, pub, fastOpts(), b)

			if wantDelivered == uint64(datums) {
				assertSameDatums(t, wires("StatsD", b), srv.Datums())
			}
			assert.Len(t, srv.Requests(), wantRequests)
			assert.Equal(t, wantDelivered, fl.Delivered.Load())
			assert.Equal(t, uint64(failures), fl.Requests[tooLarge].Load())
			assert.Equal(t, wantDrops, fl.Drops.Snapshot())
			assert.Zero(t, fl.Retries.Total())
		})
	}
	// 1000 fails, halves of 500 go; then 1000 and 500.
	f("one 413", 2500, 1, 5, 2500, map[string]uint64{})
	// 1000 fails, 500 fails, 250+250 go, 500 goes; then 1000 and 500.
	f("two 413s", 2500, 2, 7, 2500, map[string]uint64{})
	f("a single datum too large", 1, 1, 1, 0, map[string]uint64{"too_large": 1})
}

func TestFlusher_BisectsAPoisonedDatum(t *testing.T) {
	t.Parallel() // real SDK and network: the slowest tests of the package
	// Each failed request is halved; the clean half goes through, the
	// poisoned half is halved again: at most 2 calls per level.
	bound := 3 + 2*int(math.Ceil(math.Log2(MaxDatums)))
	f := func(poisoned ...int) {
		t.Helper()
		t.Run(fmt.Sprint(poisoned), func(t *testing.T) {
			t.Parallel()
			srv, pub := newFake(t)
			b := batch(time.Now().Truncate(time.Minute), counters("c", 2500))
			bad := map[string]bool{}
			for _, i := range poisoned {
				bad[b.Datums[i].Name] = true
			}
			srv.RejectDatum(func(d fakecw.Datum) bool { return bad[d.MetricName] })
			fl := deliver(t, pub, fastOpts(), b)

			want := slices.DeleteFunc(wires("StatsD", b), func(d fakecw.Datum) bool { return bad[d.MetricName] })
			assertSameDatums(t, want, srv.Datums(), "every other datum delivered once")
			assert.Equal(t, uint64(2500-len(poisoned)), fl.Delivered.Load())
			assert.Equal(t, map[string]uint64{"rejected": uint64(len(poisoned))}, fl.Drops.Snapshot())
			n := len(srv.Requests())
			t.Logf("poisoned %v: %d requests (%d rejected)", poisoned, n, fl.Requests[bisect].Load())
			assert.LessOrEqual(t, n, len(poisoned)*bound)
			assert.Zero(t, fl.Retries.Total())
		})
	}
	f(1234)
	f(0)
	f(999)
	f(1000)
	f(2499)
	f(1500, 1501)
}

func TestFlusher_AccessDeniedDrops(t *testing.T) {
	t.Parallel() // real SDK and network: the slowest tests of the package
	srv, pub := newFake(t)
	denied := fakecw.Fault{Status: http.StatusForbidden, Code: "AccessDenied",
		Message: "User: arn:aws:iam::123456789012:user/agent is not authorized to perform: cloudwatch:PutMetricData"}
	srv.SetResponder(func(*fakecw.Request) *fakecw.Fault { return &denied })
	fl := deliver(t, pub, fastOpts(), batch(time.Now().Truncate(time.Minute), counters("c", 2500)))

	assert.Len(t, srv.Requests(), 3, "never retried")
	assert.Empty(t, srv.Accepted())
	assert.Zero(t, fl.Delivered.Load())
	assert.Equal(t, map[string]uint64{"failed": 2500}, fl.Drops.Snapshot())
	assert.Equal(t, map[string]uint64{"failed": 3}, outcomes(fl))
	assert.Zero(t, fl.Retries.Total())
}

func TestFlusher_DropsWhatCloudWatchCannotStore(t *testing.T) {
	srv, pub := newFake(t)
	ds := counters("good", 6)
	big := math.Ldexp(1, 361)
	tiny := 1e-200
	bad := []aggregate.Datum{
		{Name: "nan.sum", Stats: aggregate.StatisticSet{SampleCount: 1, Sum: math.NaN(), Minimum: 1, Maximum: 1}},
		{Name: "inf.value", HasValue: true, Value: math.Inf(1)},
		{Name: "huge.values", Stats: aggregate.StatisticSet{SampleCount: 2, Sum: 1, Minimum: 0.5, Maximum: 0.5},
			Values: []float64{0.5, big}, Counts: []float64{1, 1}},
		{Name: "nan.counts", Stats: aggregate.StatisticSet{SampleCount: 2, Sum: 1, Minimum: 0.5, Maximum: 0.5},
			Values: []float64{0.5}, Counts: []float64{math.NaN()}},
		{Name: "no.samples", Stats: aggregate.StatisticSet{SampleCount: 0, Sum: 0, Minimum: 0, Maximum: 0}},
	}
	small := []aggregate.Datum{
		{Name: "tiny.value", HasValue: true, Value: -tiny},
		{Name: "tiny.stats", Stats: aggregate.StatisticSet{SampleCount: 3, Sum: tiny, Minimum: -tiny, Maximum: tiny},
			Values: []float64{-tiny, tiny, 1}, Counts: []float64{1, tiny, 1}},
	}
	mixed := []aggregate.Datum{ds[0], bad[0], ds[1], bad[1], small[0], ds[2], bad[2], bad[3], ds[3], small[1], bad[4], ds[4], ds[5]}
	b := batch(time.Now().Truncate(time.Minute), mixed)
	fl := deliver(t, pub, fastOpts(), b)

	rounded := clone(small)
	rounded[0].Value = 0
	rounded[1].Stats = aggregate.StatisticSet{SampleCount: 3}
	rounded[1].Values, rounded[1].Counts = []float64{0, 0, 1}, []float64{1, 0, 1}
	want := batch(b.Start, []aggregate.Datum{ds[0], ds[1], rounded[0], ds[2], ds[3], rounded[1], ds[4], ds[5]})
	assertSameDatums(t, wires("StatsD", want), srv.Datums())
	assert.Equal(t, map[string]uint64{"non_finite": 5}, fl.Drops.Snapshot())
	assert.Equal(t, uint64(8), fl.Delivered.Load())
}

func TestFlusher_EmptyBatchSendsNothing(t *testing.T) {
	srv, pub := newFake(t)
	start := time.Now().Truncate(time.Minute)
	fl := deliver(t, pub, fastOpts(), batch(start, nil), batch(start, []aggregate.Datum{}),
		batch(start, []aggregate.Datum{{Name: "nan", HasValue: true, Value: math.NaN()}}))
	assert.Empty(t, srv.Requests())
	assert.Equal(t, map[string]uint64{"non_finite": 1}, fl.Drops.Snapshot())
	assert.Empty(t, outcomes(fl))
}

// downFirst sends its first n calls to down, then every call to up.
type downFirst struct {
	n        atomic.Int64
	down, up Publisher
}

func (p *downFirst) Publish(ctx context.Context, r *Request) error {
	if p.n.Add(-1) >= 0 {
		return p.down.Publish(ctx, r)
	}
	return p.up.Publish(ctx, r)
}

func TestFlusher_RetriesNetworkErrors(t *testing.T) {
	check := func(t *testing.T, srv *fakecw.Server, fl *Flusher, b aggregate.Batch, failures int) {
		t.Helper()
		assertSameDatums(t, wires("StatsD", b), srv.Datums(), "each datum delivered once")
		assert.Equal(t, uint64(2500), fl.Delivered.Load())
		assert.Equal(t, uint64(failures), fl.Retries.Get(int(retry)))
		assert.Equal(t, map[string]uint64{"delivered": 3, "retry": uint64(failures)}, outcomes(fl))
		assert.Empty(t, fl.Drops.Snapshot())
	}
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		addr := ln.Addr().String()
		require.NoError(t, ln.Close())
		srv, up := newFake(t)
		pub := &downFirst{down: CloudWatch{API: newSDK("http://" + addr)}, up: up}
		pub.n.Store(3)
		b := batch(time.Now().Truncate(time.Minute), counters("c", 2500))
		fl := deliver(t, pub, fastOpts(), b)
		check(t, srv, fl, b, 3)
	})
	t.Run("call timed out", func(t *testing.T) {
		srv, pub := newFake(t)
		release := make(chan struct{})
		var calls atomic.Int64
		srv.SetResponder(func(*fakecw.Request) *fakecw.Fault {
			if calls.Add(1) > 1 {
				return nil
			}
			<-release // hold the first call past the client's deadline
			f := fakecw.InternalError()
			return &f // never seen by the client; keeps the fake's record of accepted datums exact
		})
		o := fastOpts()
		o.RequestTimeout = time.Second // long enough for the others under -race
		b := batch(time.Now().Truncate(time.Minute), counters("c", 2500))
		fl := deliver(t, pub, o, b)
		close(release)
		wait, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		assert.NoError(t, srv.WaitForRequests(wait, 4))
		check(t, srv, fl, b, 1)
	})
}

func sortedByPrint[D any](ds []D) []D {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b D) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return out
}
