package flush

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/flush/spool"
	"github.com/cwagentd/cwagentd/test/fakecw"
)

func openSpool(t *testing.T, dir string) *spool.Spool {
	t.Helper()
	sp, err := spool.Open(spool.Options{Dir: dir, MaxBytes: 64 << 20, MaxAge: aggregate.MaxAge})
	require.NoError(t, err)
	t.Cleanup(func() { _ = sp.Close() })
	return sp
}

func spoolOpts(sp Spool) Options {
	o := fastOpts()
	o.Spool = sp
	return o
}

// CloudWatch is down for the whole first run: at the deadline everything
// stays in the spool, nothing is dropped. The next run (a restart, another
// endpoint that works) replays it first and delivers every datum once.
func TestSpool_OutageThenRestartDeliversEverythingOnce(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now().Truncate(time.Minute)
	b1 := batch(now.Add(-time.Minute), counters("c", 2500))
	b2 := aggregate.Batch{Start: now.Add(-2 * time.Second), Resolution: 1, Datums: counters("hi", 10)}

	down, pubDown := newFake(t)
	outage := fakecw.InternalError()
	down.SetResponder(func(*fakecw.Request) *fakecw.Fault { return &outage })
	sp := openSpool(t, dir)
	first := New(pubDown, spoolOpts(sp))
	in := make(chan aggregate.Batch, 2)
	in <- aggregate.Batch{Start: b1.Start, Resolution: 60, Datums: clone(b1.Datums)}
	in <- aggregate.Batch{Start: b2.Start, Resolution: 1, Datums: clone(b2.Datums)}
	close(in)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	first.Run(ctx, in)
	assert.Equal(t, uint64(2510), first.KeptInSpool.Load())
	assert.Equal(t, uint64(2510), first.Spooled.Load())
	assert.Zero(t, first.Drops.Total(), "nothing is dropped: it is all on disk")
	assert.Zero(t, first.Delivered.Load())
	assert.Equal(t, 4, sp.Stats().Records, "3 requests for 2500 datums at 60s, 1 at 1s")
	require.NoError(t, sp.Close())

	up, pubUp := newFake(t)
	sp2 := openSpool(t, dir)
	second := deliver(t, pubUp, spoolOpts(sp2))
	assertSameDatums(t, append(wires("StatsD", b1), wires("StatsD", b2)...), up.Datums(), "each datum once, exact")
	assert.Equal(t, uint64(2510), second.Replayed.Load())
	assert.Equal(t, uint64(2510), second.Delivered.Load())
	assert.Zero(t, second.Drops.Total())
	assert.Zero(t, sp2.Stats().Records, "every record acked")
}

// Past the memory bound, spooled requests leave memory instead of being
// dropped, and come back from disk when their turn comes.
func TestSpool_SpillsPastTheMemoryBound(t *testing.T) {
	t.Parallel()
	srv, pub := newFake(t)
	srv.FailNext(6, fakecw.InternalError())
	sp := openSpool(t, t.TempDir())
	reads := &readCounter{Spool: sp}
	o := spoolOpts(sp)
	o.Spool = reads
	o.MaxPendingBytes = 1 // nothing fits: every waiting request is spilled
	now := time.Now().Truncate(time.Minute)
	var bs []aggregate.Batch
	var want []fakecw.Datum
	for i := range 5 {
		b := batch(now.Add(-time.Duration(i+1)*time.Minute), counters("c", 1500))
		bs = append(bs, b)
		want = append(want, wires("StatsD", b)...)
	}
	fl := deliver(t, pub, o, bs...)
	assertSameDatums(t, want, srv.Datums())
	assert.Zero(t, fl.Drops.Total(), "no queue_full: spilled, not dropped")
	assert.Zero(t, sp.Stats().Records)
	assert.Positive(t, reads.n.Load(), "spilled requests came back from disk")
}

// readCounter counts the records read back from a spool.
type readCounter struct {
	*spool.Spool
	n atomic.Int64
}

func (r *readCounter) Read(id spool.ID) ([]byte, error) {
	r.n.Add(1)
	return r.Spool.Read(id)
}

// A datum CloudWatch rejects is bisected out; the record is acked only once
// every part of it is done.
func TestSpool_BisectedRecordIsAckedWhenEveryPartIsDone(t *testing.T) {
	t.Parallel()
	srv, pub := newFake(t)
	srv.RejectDatum(func(d fakecw.Datum) bool { return d.MetricName == "c.0777" })
	sp := openSpool(t, t.TempDir())
	b := batch(time.Now().Truncate(time.Minute), counters("c", 1000))
	fl := deliver(t, pub, spoolOpts(sp), b)
	assert.Equal(t, uint64(999), fl.Delivered.Load())
	assert.Equal(t, uint64(1), fl.Drops.Get(dropRejected))
	assert.Zero(t, sp.Stats().Records)
}

// failingSpool refuses every write, as a full disk or a read-only
// filesystem does.
type failingSpool struct{}

func (failingSpool) Append(time.Time, []byte) (spool.ID, error) {
	return 0, errors.New("write /var/lib/cwagentd/spool/1.seg: no space left on device")
}
func (failingSpool) Ack(...spool.ID) error         { panic("Ack of a record never written") }
func (failingSpool) Read(spool.ID) ([]byte, error) { panic("Read of a record never written") }
func (failingSpool) Pending() []spool.Entry        { return nil }

func TestSpool_WriteFailureKeepsTheDataInMemory(t *testing.T) {
	t.Parallel()
	srv, pub := newFake(t)
	b := batch(time.Now().Truncate(time.Minute), counters("c", 2500))
	fl := deliver(t, pub, spoolOpts(failingSpool{}), b)
	assertSameDatums(t, wires("StatsD", b), srv.Datums())
	assert.Equal(t, uint64(3), fl.SpoolErrors.Get(spoolWriteFailed), "one per request, counted and logged")
	assert.Zero(t, fl.Drops.Total())
}
