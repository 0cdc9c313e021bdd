package flush

import (
	"time"

	"github.com/cwagentd/cwagentd/flush/spool"
)

// Spool is the durable store the Flusher writes every packed request to
// before it leaves memory (flush/spool): what CloudWatch has not accepted
// survives an outage longer than the memory bound, and a restart.
type Spool interface {
	Append(t time.Time, data []byte) (spool.ID, error)
	Ack(ids ...spool.ID) error
	Read(id spool.ID) ([]byte, error)
	Pending() []spool.Entry
}

// stored is one spool record and how many queued parts of it (a request
// and the halves it was split into) are not done yet; the record is acked
// when the last is.
type stored struct {
	id    spool.ID
	parts int
}

// writeAhead appends a freshly packed request to the spool and returns its
// record, or nil without a spool or when the write failed (counted and
// logged: the request then lives in memory only). The record is encoded
// into *scratch, which the caller keeps for the next (Append copies it).
func (f *Flusher) writeAhead(r *Request, scratch *[]byte) *stored {
	if f.opts.Spool == nil {
		return nil
	}
	*scratch = appendRequest((*scratch)[:0], r)
	id, err := f.opts.Spool.Append(r.Timestamp, *scratch)
	if err != nil {
		f.SpoolErrors.Add(spoolWriteFailed, 1, []byte(err.Error()))
		return nil
	}
	f.Spooled.Add(uint64(len(r.Datums)))
	return &stored{id: id, parts: 1}
}

// done marks q finished: delivered, or dropped by a rule. The last part of
// a spool record acks it, so it is never replayed.
func (l *loop) done(q *queued) {
	s := q.stored
	if s == nil {
		return
	}
	q.stored = nil
	if s.parts--; s.parts > 0 {
		return
	}
	if err := l.f.opts.Spool.Ack(s.id); err != nil {
		// Harmless but for one duplicate: the record is sent again after
		// a restart.
		l.f.SpoolErrors.Add(spoolAckFailed, 1, []byte(err.Error()))
	}
}

// load brings a spilled request's datums back from the spool. It reports
// false, having counted the drop, when the record is gone (the spool was
// full and dropped its oldest) or unreadable.
func (l *loop) load(q *queued) bool {
	if !q.spilled {
		return true
	}
	data, err := l.f.opts.Spool.Read(q.stored.id)
	var r *Request
	if err == nil {
		r, err = decodeRequest(data)
	}
	if err == nil && (q.hi > len(r.Datums) || q.lo > q.hi) {
		err = errRecord
	}
	if err != nil {
		l.f.Drops.Add(dropSpoolLost, q.count(), []byte(err.Error()))
		l.done(q)
		return false
	}
	q.req.Datums = r.Datums[q.lo:q.hi]
	q.req.size = q.req.computeSize()
	q.spilled = false
	return true
}

// replay queues what an earlier run left in the spool, oldest first and
// ahead of anything new. Only each record's head is decoded (namespace,
// timestamp, datum count); its datums stay on disk until its turn.
func (l *loop) replay() {
	sp := l.f.opts.Spool
	if sp == nil {
		return
	}
	var reqs, datums int
	for _, rec := range sp.Pending() {
		data, err := sp.Read(rec.ID)
		var r *Request
		var n int
		if err == nil {
			r, n, _, err = decodeHead(data)
		}
		if err != nil {
			l.f.SpoolErrors.Add(spoolUnreadable, 1, []byte(err.Error()))
			_ = sp.Ack(rec.ID) // never replay what cannot be read
			continue
		}
		l.f.seq++
		l.enqueue(&queued{req: r, seq: l.f.seq, family: &family{},
			stored: &stored{id: rec.ID, parts: 1}, hi: n, spilled: true})
		reqs++
		datums += n
	}
	if reqs > 0 {
		l.f.Replayed.Add(uint64(datums))
		l.f.opts.Log.Info("replaying undelivered data from the spool", "requests", reqs, "datums", datums)
	}
}

// Why spooling failed; none of these loses data by itself: the data stays
// in memory (or, for an ack, may be sent once more after a restart).
const (
	spoolWriteFailed = iota // a request could not be written ahead (disk full, read-only)
	spoolAckFailed          // a delivered request could not be marked done
	spoolUnreadable         // a record left by an earlier run could not be decoded
)

var spoolErrorReasons = []string{"write_failed", "ack_failed", "unreadable"}
