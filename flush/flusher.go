package flush

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// Options configure a Flusher. Zero limits and backoffs take the defaults.
type Options struct {
	Namespace      string
	Jitter         time.Duration // each batch waits a random delay in [0, Jitter)
	RequestTimeout time.Duration // deadline of each call
	Log            *slog.Logger

	MaxDatums, MaxBytes     int           // per request; CloudWatch's limits by default
	BackoffBase, BackoffCap time.Duration // full-jitter exponential backoff
	Rand                    func(n int64) int64
}

// Why a datum was dropped after aggregation.
const (
	dropRejected  = iota // CloudWatch refused it alone (after bisection)
	dropTooLarge         // 413 for a single datum
	dropNonFinite        // a number CloudWatch cannot store
	dropFailed           // a non-retryable error such as AccessDenied
	dropTooOld           // still undelivered past CloudWatch's 14-day window
	dropShutdown         // still undelivered when the shutdown deadline passed
)

var dropReasons = []string{"rejected", "too_large", "non_finite", "failed", "too_old", "shutdown_timeout"}

// Flusher turns batches into delivered PutMetricData calls.
type Flusher struct {
	pub  Publisher
	opts Options

	// Drops counts datums dropped by reason; Retries counts failed attempts
	// that will be retried, by outcome (and logs them at a bounded rate).
	Drops, Retries *drops.Counter
	// Requests counts calls by outcome; Delivered counts datums delivered.
	Requests  [numOutcomes]atomic.Uint64
	Delivered atomic.Uint64
}

// New returns a Flusher publishing through pub.
func New(pub Publisher, o Options) *Flusher {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.MaxDatums == 0 {
		o.MaxDatums = MaxDatums
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = MaxBytes
	}
	if o.BackoffBase == 0 {
		o.BackoffBase = 100 * time.Millisecond
	}
	if o.BackoffCap == 0 {
		o.BackoffCap = 30 * time.Second
	}
	if o.Rand == nil {
		o.Rand = rand.Int64N
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 10 * time.Second
	}
	return &Flusher{
		pub: pub, opts: o,
		Drops:   drops.New(o.Log, "dropped datums", dropReasons),
		Retries: drops.New(o.Log, "PutMetricData failed; retrying with backoff", outcomeNames[:]),
	}
}

type delayed struct {
	due   time.Time
	batch aggregate.Batch
}

type queued struct {
	req       *Request
	attempt   int
	notBefore time.Time
}

// Run delivers every batch from in. Each waits its random jitter, then its
// requests join one FIFO queue sent in order. When in is closed (shutdown)
// the jitter is skipped and Run returns once everything is delivered or
// dropped by rule. When ctx ends (the shutdown deadline) Run counts what is
// left as dropped and returns at once.
func (f *Flusher) Run(ctx context.Context, in <-chan aggregate.Batch) {
	var (
		waiting []delayed
		queue   []*queued
		timer   = time.NewTimer(time.Hour)
	)
	defer timer.Stop()
	defer func() { f.abandon(waiting, queue) }()
	accept := func(b aggregate.Batch) {
		var d time.Duration
		if f.opts.Jitter > 0 {
			d = time.Duration(f.opts.Rand(int64(f.opts.Jitter)))
		}
		waiting = append(waiting, delayed{time.Now().Add(d), b})
	}
	for {
		in = intake(in, accept) // never let sending starve the intake
		now := time.Now()
		waiting, queue = f.release(waiting, queue, now, in == nil)
		if len(queue) > 0 && !queue[0].notBefore.After(now) {
			queue = f.send(ctx, queue)
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if in == nil && len(waiting) == 0 && len(queue) == 0 {
			return
		}
		timer.Reset(f.nextWake(waiting, queue, now))
		select {
		case b, ok := <-in:
			if ok {
				accept(b)
			} else {
				in = nil
			}
		case <-timer.C:
		case <-ctx.Done():
			return
		}
	}
}

// intake accepts every batch already waiting in in, and returns nil once in
// is closed.
func intake(in <-chan aggregate.Batch, accept func(aggregate.Batch)) <-chan aggregate.Batch {
	for in != nil {
		select {
		case b, ok := <-in:
			if !ok {
				return nil
			}
			accept(b)
		default:
			return in
		}
	}
	return nil
}

// release packs the batches whose jitter has passed (all of them when
// draining) onto the queue.
func (f *Flusher) release(waiting []delayed, queue []*queued, now time.Time, draining bool) ([]delayed, []*queued) {
	kept := waiting[:0]
	for _, w := range waiting {
		if !draining && w.due.After(now) {
			kept = append(kept, w)
			continue
		}
		w.batch.Datums = sanitize(w.batch.Datums, func(d *aggregate.Datum) {
			f.Drops.Add(dropNonFinite, 1, []byte(d.Name))
		})
		for _, r := range pack(f.opts.Namespace, w.batch, f.opts.MaxDatums, f.opts.MaxBytes) {
			queue = append(queue, &queued{req: r})
		}
	}
	return kept, queue
}

func (f *Flusher) nextWake(waiting []delayed, queue []*queued, now time.Time) time.Duration {
	next := now.Add(time.Hour)
	for _, w := range waiting {
		if w.due.Before(next) {
			next = w.due
		}
	}
	if len(queue) > 0 && queue[0].notBefore.Before(next) {
		next = queue[0].notBefore
	}
	return max(next.Sub(now), 0)
}

// send makes one call for the head of the queue and acts on its outcome.
func (f *Flusher) send(ctx context.Context, queue []*queued) []*queued {
	q := queue[0]
	callCtx, cancel := context.WithTimeout(ctx, f.opts.RequestTimeout)
	err := f.pub.Publish(callCtx, q.req)
	cancel()
	if err != nil && ctx.Err() != nil {
		return queue // the deadline passed mid-call: abandon counts it
	}
	o := classify(err)
	f.Requests[o].Add(1)
	n := uint64(len(q.req.Datums))
	switch o {
	case delivered:
		f.Delivered.Add(n)
		return queue[1:]
	case retry, throttled:
		if time.Since(q.req.Timestamp) > aggregate.MaxAge {
			f.Drops.Add(dropTooOld, n, []byte(err.Error()))
			return queue[1:]
		}
		f.Retries.Add(int(o), 1, []byte(err.Error()))
		q.attempt++
		q.notBefore = time.Now().Add(f.backoff(q.attempt))
		return queue
	case bisect, tooLarge:
		if len(q.req.Datums) == 1 {
			reason := dropRejected
			if o == tooLarge {
				reason = dropTooLarge
			}
			f.opts.Log.Warn("CloudWatch rejected a datum; dropped it",
				"metric", q.req.Datums[0].Name, "dimensions", q.req.Datums[0].Dimensions, "error", err)
			f.Drops.Add(reason, 1, nil)
			return queue[1:]
		}
		a, b := q.req.split()
		return append([]*queued{{req: a}, {req: b}}, queue[1:]...)
	default:
		f.opts.Log.Error("PutMetricData failed and will not be retried; check the agent's IAM permissions and endpoint",
			"error", err, "datums", n)
		f.Drops.Add(dropFailed, n, nil)
		return queue[1:]
	}
}

// backoff is full jitter: uniform in [0, min(cap, base*2^attempt)).
func (f *Flusher) backoff(attempt int) time.Duration {
	ceil := min(f.opts.BackoffBase, f.opts.BackoffCap)
	for range attempt {
		if ceil >= f.opts.BackoffCap/2 {
			ceil = f.opts.BackoffCap
			break
		}
		ceil *= 2
	}
	return time.Duration(f.opts.Rand(int64(ceil)))
}

// abandon counts whatever is still undelivered when Run returns.
func (f *Flusher) abandon(waiting []delayed, queue []*queued) {
	var n uint64
	for _, w := range waiting {
		n += uint64(len(w.batch.Datums))
	}
	for _, q := range queue {
		n += uint64(len(q.req.Datums))
	}
	if n > 0 {
		f.opts.Log.Error("shutdown deadline passed with datums undelivered; raise shutdown_timeout if CloudWatch was slow",
			"datums", n)
		f.Drops.Add(dropShutdown, n, nil)
	}
	f.Drops.Flush()
	f.Retries.Flush()
}
