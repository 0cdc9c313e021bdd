package flush

import (
	"cmp"
	"context"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// Options configure a Flusher. Zero values take the defaults noted.
type Options struct {
	Namespace      string
	Jitter         time.Duration // each batch waits a random delay in [0, Jitter)
	RequestTimeout time.Duration // deadline of each call; 10s
	Log            *slog.Logger

	// MaxRequestsPerSecond is the ceiling of the AIMD request budget, Burst
	// the calls it allows back to back; 0 means no budget.
	MaxRequestsPerSecond float64
	Burst                int
	MaxConcurrency       int           // calls in flight; 1
	MaxPendingBytes      int64         // bound of the undelivered queue; 0: none
	MaxAge               time.Duration // undelivered data older is dropped; aggregate.MaxAge

	MaxDatums, MaxBytes     int           // per request; CloudWatch's limits
	BackoffBase, BackoffCap time.Duration // full-jitter exponential backoff; 100ms, 10s
	Rand                    func(n int64) int64

	// Spool, if set, keeps every packed request on disk until CloudWatch
	// accepts it or a rule drops it; Run replays what it holds first.
	Spool Spool

	// ObserveCall, if set, is told the outcome and duration of every
	// PutMetricData call (self-telemetry). It must be safe for concurrent use
	// and quick.
	ObserveCall func(outcome string, d time.Duration)
}

// Limits are the Options a running Flusher can change: a config reload
// applies them with SetLimits.
type Limits struct {
	MaxRequestsPerSecond float64
	Burst                int
	Jitter               time.Duration
}

// Why a datum was dropped after aggregation.
const (
	dropRejected  = iota // CloudWatch refused it alone (after bisection)
	dropTooLarge         // 413 for a single datum
	dropNonFinite        // a number CloudWatch cannot store
	dropFailed           // a non-retryable error such as AccessDenied
	dropTooOld           // older than flush.max_age (or CloudWatch's window)
	dropTooNew           // more than 2h ahead: the clock jumped back
	dropQueueFull        // the oldest data, when flush.max_pending_bytes was reached
	dropShutdown         // still undelivered when the shutdown deadline passed
	dropSpoolLost        // spilled to the spool, then dropped by it (full) or unreadable
)

var dropReasons = []string{"rejected", "too_large", "non_finite", "failed", "too_old", "too_new", "queue_full", "shutdown_timeout", "spool_lost"}

// maxAhead is how far ahead of now CloudWatch accepts a timestamp.
const maxAhead = 2 * time.Hour

// splitAfter is how many consecutive non-throttle failures of one request
// make it split: a body that a proxy or the service fails on every time must
// not hold back the data sent with it.
const splitAfter = 3

// Flusher turns batches into delivered PutMetricData calls.
type Flusher struct {
	pub  Publisher
	opts Options

	// Drops counts datums dropped by reason; Retries counts failed attempts
	// that will be retried, by outcome (and logs them at a bounded rate).
	Drops, Retries *drops.Counter
	// Requests counts calls by outcome; Delivered counts datums delivered;
	// BytesAttempted counts the encoded (uncompressed) bytes of every call.
	Requests       [numOutcomes]atomic.Uint64
	Delivered      atomic.Uint64
	BytesAttempted atomic.Uint64

	// With a spool: datums written ahead, replayed from an earlier run,
	// and left in it at the shutdown deadline (for the next start);
	// SpoolErrors counts spool operations that failed, by reason.
	Spooled, Replayed, KeptInSpool atomic.Uint64
	SpoolErrors                    *drops.Counter

	queueDepth, queueBytes, inFlight atomic.Int64
	budgetMilli                      atomic.Int64 // current budget, requests/s * 1000
	seq                              uint64       // loop goroutine only

	limitsMu  sync.Mutex
	newLimits *Limits       // set by SetLimits, taken by the loop
	reconf    chan struct{} // wakes the loop to take newLimits
}

// New returns a Flusher publishing through pub.
func New(pub Publisher, o Options) *Flusher {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	o.MaxDatums = cmp.Or(o.MaxDatums, MaxDatums)
	o.MaxBytes = cmp.Or(o.MaxBytes, MaxBytes)
	o.MaxConcurrency = cmp.Or(o.MaxConcurrency, 1)
	o.BackoffBase = cmp.Or(o.BackoffBase, 100*time.Millisecond)
	o.BackoffCap = cmp.Or(o.BackoffCap, 10*time.Second)
	o.RequestTimeout = cmp.Or(o.RequestTimeout, 10*time.Second)
	o.MaxAge = min(cmp.Or(o.MaxAge, aggregate.MaxAge), aggregate.MaxAge)
	if o.Rand == nil {
		o.Rand = rand.Int64N
	}
	return &Flusher{
		pub: pub, opts: o,
		Drops:   drops.New(o.Log, "dropped datums", dropReasons),
		Retries: drops.New(o.Log, "PutMetricData failed; retrying with backoff", outcomeNames[:]),
		SpoolErrors: drops.New(o.Log, "spool operations failed (the data stays in memory; fix the spool directory or free space)",
			spoolErrorReasons),
		reconf: make(chan struct{}, 1),
	}
}

// SetLimits changes the request budget and the jitter of a running
// Flusher, from its next loop turn on. A throttled budget keeps its share:
// at half the old ceiling, it starts at half the new one.
func (f *Flusher) SetLimits(l Limits) {
	f.limitsMu.Lock()
	f.newLimits = &l
	f.limitsMu.Unlock()
	select {
	case f.reconf <- struct{}{}:
	default:
	}
}

// applyLimits takes what SetLimits left, on the loop goroutine.
func (l *loop) applyLimits(now time.Time) {
	f := l.f
	f.limitsMu.Lock()
	nl := f.newLimits
	f.newLimits = nil
	f.limitsMu.Unlock()
	if nl == nil {
		return
	}
	f.opts.Jitter = nl.Jitter
	f.opts.MaxRequestsPerSecond, f.opts.Burst = nl.MaxRequestsPerSecond, nl.Burst
	l.budget = l.budget.resize(nl.MaxRequestsPerSecond, nl.Burst, now)
}

// DeliveredRequests is the number of calls CloudWatch accepted.
func (f *Flusher) DeliveredRequests() uint64 { return f.Requests[delivered].Load() }

// Throttles is the number of calls CloudWatch throttled.
func (f *Flusher) Throttles() uint64 { return f.Requests[throttled].Load() }

// QueueDepth is the number of requests waiting (not in flight).
func (f *Flusher) QueueDepth() int64 { return f.queueDepth.Load() }

// QueueBytes is the encoded size of the requests waiting.
func (f *Flusher) QueueBytes() int64 { return f.queueBytes.Load() }

// InFlight is the number of calls under way.
func (f *Flusher) InFlight() int64 { return f.inFlight.Load() }

// Budget is the current request budget in calls per second (0: none).
func (f *Flusher) Budget() float64 { return float64(f.budgetMilli.Load()) / 1000 }

type delayed struct {
	due   time.Time
	batch aggregate.Batch
}

type result struct {
	q    *queued
	err  error
	took time.Duration
}

// loop is the state of one Run, owned by its goroutine: calls run on their
// own goroutines and report back through results.
type loop struct {
	f        *Flusher
	ctx      context.Context
	waiting  []delayed
	queue    pending
	budget   *budget
	inflight map[*queued]bool
	results  chan result
	record   []byte // spool record scratch (writeAhead)

	lastDelivered time.Time
}

// Run delivers every batch from in. Each waits its random jitter; its
// requests then join one queue, sent oldest first by up to MaxConcurrency
// calls within the request budget. When in is closed (shutdown) the jitter
// is skipped and Run returns once everything is delivered or dropped by
// rule. When ctx ends (the shutdown deadline) Run counts what is left as
// dropped and returns at once.
func (f *Flusher) Run(ctx context.Context, in <-chan aggregate.Batch) {
	l := &loop{
		f: f, ctx: ctx,
		queue:    pending{max: f.opts.MaxPendingBytes},
		budget:   newBudget(f.opts.MaxRequestsPerSecond, f.opts.Burst, time.Now()),
		inflight: map[*queued]bool{},
		results:  make(chan result, f.opts.MaxConcurrency),
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	defer func() { l.abandon(in) }()
	l.replay()
	for {
		if ctx.Err() != nil {
			l.collect()
			return
		}
		in = intake(in, l.accept) // never let sending starve the intake
		now := time.Now()
		l.release(now, in == nil)
		wake := l.dispatch(now)
		f.publishState(l)
		if in == nil && len(l.waiting) == 0 && l.queue.len() == 0 && len(l.inflight) == 0 {
			return
		}
		for _, w := range l.waiting {
			if wake.IsZero() || w.due.Before(wake) {
				wake = w.due
			}
		}
		var tick <-chan time.Time
		if !wake.IsZero() {
			timer.Reset(max(wake.Sub(now), 0))
			tick = timer.C
		}
		select {
		case b, ok := <-in:
			if ok {
				l.accept(b)
			} else {
				in = nil
			}
		case r := <-l.results:
			delete(l.inflight, r.q)
			l.handle(r, time.Now())
		case <-tick:
		case <-f.reconf:
			l.applyLimits(time.Now())
		case <-ctx.Done():
			l.collect()
			return
		}
	}
}

// collectGrace is how long Run waits, after the deadline, for calls in
// flight to report: their context is cancelled, so they return at once.
const collectGrace = 200 * time.Millisecond

// collect handles the calls still in flight at the deadline, so that a call
// delivered just as the deadline passed counts as delivered, not dropped.
func (l *loop) collect() {
	grace := time.NewTimer(collectGrace)
	defer grace.Stop()
	for len(l.inflight) > 0 {
		select {
		case r := <-l.results:
			delete(l.inflight, r.q)
			l.handle(r, time.Now())
		case <-grace.C:
			return
		}
	}
}

func (f *Flusher) publishState(l *loop) {
	f.queueDepth.Store(int64(l.queue.len()))
	f.queueBytes.Store(l.queue.bytes)
	f.inFlight.Store(int64(len(l.inflight)))
	f.budgetMilli.Store(int64(math.Round(l.budget.perSecond() * 1000)))
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

// accept schedules a batch after its random jitter: drawn per batch, so a
// fleet never settles into flushing at the same instant.
func (l *loop) accept(b aggregate.Batch) {
	var d time.Duration
	if l.f.opts.Jitter > 0 {
		d = time.Duration(l.f.opts.Rand(int64(l.f.opts.Jitter)))
	}
	l.waiting = append(l.waiting, delayed{time.Now().Add(d), b})
}

// release packs the batches whose jitter has passed (all of them when
// draining) onto the queue, dropping what CloudWatch would refuse for its
// timestamp.
func (l *loop) release(now time.Time, draining bool) {
	kept := l.waiting[:0]
	for _, w := range l.waiting {
		if !draining && w.due.After(now) {
			kept = append(kept, w)
			continue
		}
		for _, r := range l.f.requests(w.batch, now) {
			l.f.seq++
			l.enqueue(&queued{req: r, seq: l.f.seq, family: &family{},
				stored: l.f.writeAhead(r, &l.record), hi: len(r.Datums)}) // written ahead before it can leave memory
		}
	}
	clear(l.waiting[len(kept):])
	l.waiting = kept
}

// requests packs a closed batch, dropping (counted) what CloudWatch would
// refuse: the whole period for its timestamp, a datum for a non-finite
// number.
func (f *Flusher) requests(b aggregate.Batch, now time.Time) []*Request {
	if reason, bad := f.timestampProblem(b.Start, now); bad {
		f.Drops.Add(reason, uint64(len(b.Datums)), nil)
		f.opts.Log.Warn("dropped a period CloudWatch would refuse for its timestamp; is the clock right?",
			"timestamp", b.Start, "now", now, "datums", len(b.Datums))
		return nil
	}
	b.Datums = sanitize(b.Datums, func(d *aggregate.Datum) {
		f.Drops.Add(dropNonFinite, 1, []byte(d.Name))
	})
	return pack(f.opts.Namespace, b, f.opts.MaxDatums, f.opts.MaxBytes)
}

func (f *Flusher) timestampProblem(ts, now time.Time) (int, bool) {
	switch {
	case now.Sub(ts) > f.opts.MaxAge:
		return dropTooOld, true
	case ts.Sub(now) > maxAhead:
		return dropTooNew, true
	}
	return 0, false
}

func (l *loop) enqueue(q *queued) {
	for _, old := range l.queue.push(q) {
		l.f.Drops.Add(dropQueueFull, old.count(), nil)
		l.done(old)
	}
}

// dispatch starts calls while a worker is free, a request is ready and the
// budget allows. It returns when the loop should look again (zero: only
// when a call returns or a batch arrives).
func (l *loop) dispatch(now time.Time) time.Time {
	for len(l.inflight) < l.f.opts.MaxConcurrency {
		q, next := l.queue.ready(now)
		if q == nil {
			return next
		}
		// Held back by the budget, a request can age past what is allowed.
		if reason, bad := l.f.timestampProblem(q.req.Timestamp, now); bad {
			l.f.Drops.Add(reason, q.count(), nil)
			l.done(q)
			continue
		}
		if q.family.exhausted {
			l.f.Drops.Add(dropRejected, q.count(), nil)
			l.done(q)
			continue
		}
		if wait := l.budget.take(now); wait > 0 {
			l.queue.push(q) // cannot drop: it was just taken out
			return now.Add(wait)
		}
		if !l.load(q) {
			continue
		}
		q.dispatched = now
		l.inflight[q] = true
		go l.call(q)
	}
	return time.Time{}
}

func (l *loop) call(q *queued) {
	l.f.BytesAttempted.Add(uint64(q.req.size))
	ctx, cancel := context.WithTimeout(l.ctx, l.f.opts.RequestTimeout)
	start := time.Now()
	err := l.f.pub.Publish(ctx, q.req)
	took := time.Since(start)
	cancel()
	l.results <- result{q, err, took} // never blocks: one slot per call in flight
}

// handle acts on the outcome of one call.
func (l *loop) handle(r result, now time.Time) {
	f, q := l.f, r.q
	if r.err != nil && l.ctx.Err() != nil {
		l.enqueue(q) // the deadline passed mid-call: abandon counts it
		return
	}
	o := classify(r.err)
	f.Requests[o].Add(1)
	if f.opts.ObserveCall != nil {
		f.opts.ObserveCall(outcomeNames[o], r.took)
	}
	n := uint64(len(q.req.Datums))
	switch o {
	case delivered:
		f.Delivered.Add(n)
		l.budget.succeeded()
		l.lastDelivered = now
		l.done(q)
	case retry, throttled: // too old by its next turn: dispatch drops it
		f.Retries.Add(int(o), 1, []byte(r.err.Error()))
		q.attempt++
		q.notBefore = now.Add(max(f.backoff(q.attempt), retryAfter(r.err)))
		if o == throttled {
			l.budget.throttled(now, q.dispatched)
			q.fails = 0
		} else if l.failedOnItsBody(q, r.err, now) {
			l.split(q)
			return
		}
		l.enqueue(q)
	case bisect, tooLarge:
		if o == bisect {
			if q.family.rejections++; q.family.rejections > maxFamilyRejections {
				l.dropRejectedFamily(q, r.err)
				return
			}
		}
		if len(q.req.Datums) == 1 {
			reason := dropRejected
			if o == tooLarge {
				reason = dropTooLarge
			}
			f.opts.Log.Warn("CloudWatch rejected a datum; dropped it",
				"metric", q.req.Datums[0].Name, "dimensions", q.req.Datums[0].Dimensions, "error", r.err)
			f.Drops.Add(reason, 1, nil)
			l.done(q)
			return
		}
		q.notBefore = time.Time{}
		l.split(q)
	default:
		f.opts.Log.Error("PutMetricData failed and will not be retried; check the agent's IAM permissions and endpoint",
			"error", r.err, "datums", n)
		f.Drops.Add(dropFailed, n, nil)
		l.done(q)
	}
}

// failedOnItsBody decides whether a failure the server answered (a 5xx, an
// unreadable 400) is about this request rather than the service: after
// splitAfter in a row, while other calls get through since its last failure
// or it is the only request left. A service-wide outage, where nothing gets
// through, never fragments requests; refused and reset connections say
// nothing about the body at all.
func (l *loop) failedOnItsBody(q *queued, err error, now time.Time) bool {
	if !answered(err) {
		return false
	}
	q.fails++
	othersGetThrough := l.lastDelivered.After(q.failedAt)
	alone := l.queue.len() == 0 && len(l.inflight) == 0
	q.failedAt = now
	return q.fails >= splitAfter && len(q.req.Datums) > 1 && (othersGetThrough || alone)
}

// maxFamilyRejections bounds the calls bisection may spend on one packed
// request: enough to isolate three bad datums among a thousand.
const maxFamilyRejections = 64

// dropRejectedFamily gives up on a request CloudWatch keeps rejecting in
// every part: the problem is the whole request, not a datum.
func (l *loop) dropRejectedFamily(q *queued, err error) {
	n := len(q.req.Datums)
	if !q.family.exhausted {
		q.family.exhausted = true
		l.f.opts.Log.Error("CloudWatch rejects a request in every part; dropping what is left of it (is the host clock right?)",
			"datums", n, "error", err)
	}
	l.f.Drops.Add(dropRejected, uint64(n), nil)
	l.done(q)
}

// split replaces q by its two halves, which keep its place, its backoff
// and its spool record (acked once both are done).
func (l *loop) split(q *queued) {
	a, b := q.req.split()
	mid := q.lo + len(a.Datums)
	if q.stored != nil {
		q.stored.parts++
	}
	l.enqueue(&queued{req: a, seq: q.seq, family: q.family, attempt: q.attempt, notBefore: q.notBefore,
		stored: q.stored, lo: q.lo, hi: mid})
	l.enqueue(&queued{req: b, seq: q.seq, family: q.family, attempt: q.attempt, notBefore: q.notBefore,
		stored: q.stored, lo: mid, hi: q.hi})
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

// Discard counts every batch still to come on in as dropped at the deadline
// (or, with a spool, writes it there for the next start), until in is
// closed. Call it after Run returned: a period the aggregator
// closes after the deadline is then counted, never silently lost, and the
// aggregator is never left blocked on a full channel.
func (f *Flusher) Discard(in <-chan aggregate.Batch) {
	var n, kept uint64
	var record []byte
	for b := range in {
		if f.opts.Spool == nil {
			n += uint64(len(b.Datums))
			continue
		}
		for _, r := range f.requests(b, time.Now()) {
			if f.writeAhead(r, &record) != nil {
				kept += uint64(len(r.Datums))
			} else {
				n += uint64(len(r.Datums))
			}
		}
	}
	if kept > 0 {
		f.KeptInSpool.Add(kept)
		f.opts.Log.Warn("datums closed after the shutdown deadline stay in the spool for the next start", "datums", kept)
	}
	if n > 0 {
		f.opts.Log.Error("datums closed after the shutdown deadline were not sent", "datums", n)
		f.Drops.Add(dropShutdown, n, nil)
		f.Drops.Flush()
	}
}

// abandon counts whatever is still undelivered when Run returns: batches
// waiting for their jitter or still in the channel, queued requests, and
// calls cut short by the deadline. With a spool, all of it is kept there
// for the next start (batches are packed and written now); what is not in
// the spool is dropped, counted.
func (l *loop) abandon(in <-chan aggregate.Batch) {
	intake(in, l.accept)
	if l.f.opts.Spool != nil {
		l.release(time.Now(), true)
	}
	var dropped uint64
	for _, w := range l.waiting {
		dropped += uint64(len(w.batch.Datums))
	}
	kept, memory := l.queue.datums()
	dropped += memory
	for q := range l.inflight {
		if q.stored != nil {
			kept += q.count()
		} else {
			dropped += q.count()
		}
	}
	if kept > 0 {
		l.f.KeptInSpool.Add(kept)
		l.f.opts.Log.Warn("shutdown deadline passed with datums undelivered; they stay in the spool and are sent after the next start",
			"datums", kept)
	}
	if dropped > 0 {
		l.f.opts.Log.Error("shutdown deadline passed with datums undelivered; raise shutdown_timeout if CloudWatch was slow",
			"datums", dropped)
		l.f.Drops.Add(dropShutdown, dropped, nil)
	}
	l.f.Drops.Flush()
	l.f.Retries.Flush()
	l.f.SpoolErrors.Flush()
}
