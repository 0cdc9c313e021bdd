package flush

import (
	"slices"
	"time"
)

// queued is a request waiting to be (re)sent.
type queued struct {
	req        *Request
	seq        uint64 // creation order; a split keeps its parent's
	family     *family
	attempt    int
	fails      int       // consecutive failures the server answered (not throttles)
	failedAt   time.Time // when the last of those came
	notBefore  time.Time
	dispatched time.Time // when its current call started

	stored  *stored // the spool record its datums come from; nil: memory only
	lo, hi  int     // its datums' range within the packed request (and its spool record): halves of a split
	spilled bool    // req.Datums dropped from memory: read back from the spool
}

// count is the number of datums q carries, in memory or spilled.
func (q *queued) count() uint64 { return uint64(q.hi - q.lo) }

// family is what the requests split from one packed request share: how many
// of their calls CloudWatch rejected as invalid. Bisecting isolates a bad
// datum in O(log n) calls; a rejection that is about the whole request
// (a clock CloudWatch disagrees with) would otherwise cost 2n-1.
type family struct {
	rejections int
	exhausted  bool // given up: its other parts are dropped unsent
}

// pending holds undelivered requests in creation order, bounded by the
// encoded bytes it keeps in memory: when full, the oldest data goes first,
// to the spool if it is there (spilled: only its place stays in memory),
// else dropped. It is owned by the Flusher's loop goroutine.
type pending struct {
	items []*queued
	bytes int64 // of the requests in memory
	max   int64 // 0: unbounded
}

// push adds q in creation order and returns what had to be dropped to stay
// within the bound (possibly q itself, when it is the oldest).
func (p *pending) push(q *queued) (dropped []*queued) {
	i, _ := slices.BinarySearchFunc(p.items, q.seq, func(e *queued, seq uint64) int {
		if e.seq <= seq {
			return -1
		}
		return 1
	})
	p.items = slices.Insert(p.items, i, q)
	p.bytes += int64(q.req.size)
	for j := 0; p.max > 0 && p.bytes > p.max && j < len(p.items); {
		old := p.items[j]
		switch {
		case old.spilled:
			j++
		case old.stored != nil:
			p.bytes -= int64(old.req.size)
			old.spilled = true
			old.req.Datums, old.req.size = nil, 0
			j++
		default:
			p.items = slices.Delete(p.items, j, j+1)
			p.bytes -= int64(old.req.size)
			dropped = append(dropped, old)
		}
	}
	return dropped
}

// ready removes and returns the oldest request whose backoff has passed;
// otherwise it returns nil and the earliest time one will be ready (zero if
// the queue is empty).
func (p *pending) ready(now time.Time) (*queued, time.Time) {
	var next time.Time
	for i, q := range p.items {
		if !q.notBefore.After(now) {
			p.items = slices.Delete(p.items, i, i+1)
			p.bytes -= int64(q.req.size)
			return q, time.Time{}
		}
		if next.IsZero() || q.notBefore.Before(next) {
			next = q.notBefore
		}
	}
	return nil, next
}

func (p *pending) len() int { return len(p.items) }

// datums counts what is queued: kept in the spool, and in memory only.
func (p *pending) datums() (spooled, memory uint64) {
	for _, q := range p.items {
		if q.stored != nil {
			spooled += q.count()
		} else {
			memory += q.count()
		}
	}
	return spooled, memory
}
