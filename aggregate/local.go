package aggregate

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// Local is one reader's share of the aggregator: its own tables, so that
// readers never contend on the hot path. Its lock is taken by Fold and, once
// a period, by Close. Get one per reader with NewFolder.
type Local struct {
	a  *Aggregator
	mu sync.Mutex

	cur  *table
	past map[int64]*table // periods named by |T timestamps, closed with cur
	ids  map[string]*identity
	// op is the operator's dimensions for the open period, the same for
	// every Local: a change (metadata) takes effect at the next period,
	// with new identities.
	op *operatorDims
	// unpinLater and unpinDue hold the unit pins of identities forgotten
	// for an operator change: released a period later, once the new
	// identities hold their own, so a change never lets a unit flip.
	unpinLater, unpinDue []string
	tags                 []tag  // scratch
	key                  []byte // scratch
	gen                  uint32 // of the last table made (see table.entryOf)
	// dists and sets are the distributions and member sets the last closed
	// table's entries held, for the next period's entries to reuse.
	dists []*distribution
	sets  []map[uint64]struct{}
}

// NewFolder returns a Local for one reader goroutine.
func (a *Aggregator) NewFolder() *Local {
	l := &Local{a: a, past: map[int64]*table{}, ids: map[string]*identity{}}
	a.mu.Lock()
	defer a.mu.Unlock()
	l.op = a.curOp
	l.cur = l.newTable(a.curStart)
	a.locals = append(a.locals, l)
	return l
}

// Fold adds one parsed sample to its series. Safe for concurrent use, but
// meant for one reader: readers contend only when they share a Local.
func (l *Local) Fold(s *line.Sample) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.FoldLocked(s)
}

// Lock and Unlock let a reader fold a whole datagram under one lock (see
// FoldLocked): the lock is contended only by Close, once a period.
func (l *Local) Lock()   { l.mu.Lock() }
func (l *Local) Unlock() { l.mu.Unlock() }

// FoldLocked is Fold for a caller that holds the Local's lock.
func (l *Local) FoldLocked(s *line.Sample) {
	t := l.cur
	if s.Timestamp != 0 && s.Timestamp < t.start {
		if t.start-s.Timestamp > int64(MaxAge/time.Second) {
			l.a.Drops.Add(sampleTooOld, 1, s.Name)
			return
		}
		t = l.pastTable(s.Timestamp)
	}
	k := rawKey(s)
	i, ok := t.lookup(k)
	if !ok {
		if i, ok = l.resolve(t, k, s); !ok {
			return
		}
	}
	t.entries[i].fold(s, 1/s.Rate)
}

// resolve is the slow path, once per series, raw form and period: fix the
// tags into dimensions, find (or create) the series' identity and its entry
// in t, and remember the raw key for the rest of the period.
func (l *Local) resolve(t *table, k uint64, s *line.Sample) (int32, bool) {
	l.tags = l.a.rules.dimensions(s.Name, s.Tags, l.op.dims, l.tags, l.a.noteTag)
	l.key = canonicalKey(l.key[:0], s, l.tags)
	id, ok := l.ids[string(l.key)]
	if !ok {
		id = l.a.newIdentity(string(l.key), len(s.Name), len(l.tags), s.Type, l.op.dims)
		l.ids[id.key] = id
	}
	i, ok := t.entryOf(id)
	if !ok {
		if !l.a.admit(id.key) {
			l.a.Drops.Add(sampleSeriesLimit, 1, s.Name)
			return 0, false
		}
		e := l.newEntry(id)
		e.raw = k
		if id.typ == line.Gauge {
			e.gauge = l.a.gauges.get(id, l.op, t.start)
		}
		i = int32(len(t.entries))
		t.entries = append(t.entries, e)
		t.setEntryOf(id, i)
	}
	id.lastSeen = max(id.lastSeen, t.start)
	t.remember(k, i)
	return i, true
}

// newTable is a table for the period starting at start, with the Local's
// next generation.
func (l *Local) newTable(start int64) *table {
	l.gen++
	return &table{start: start, gen: l.gen}
}

func (l *Local) pastTable(ts int64) *table {
	start := ts - ts%int64(l.a.tick/time.Second)
	t, ok := l.past[start]
	if !ok {
		t = l.newTable(start)
		t.past = true
		l.past[start] = t
	}
	return t
}

// swap ends the open period and starts the one beginning at next, with the
// operator's dimensions op; it returns the closed tables.
func (l *Local) swap(next int64, op *operatorDims) (cur *table, past map[int64]*table) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cur, past = l.cur, l.past
	l.cur = l.newTable(next)
	if len(past) > 0 {
		l.past = map[int64]*table{}
	}
	if op != l.op {
		// Series of the new period get the new dimensions; the closed
		// tables keep the identities they were folded under.
		l.op = op
		l.unpinLater = append(l.unpinLater, l.forget(func(*identity) bool { return true })...)
	}
	return cur, past
}

// recycle takes the distributions and member sets of a closed table once its
// datums are built, for the next period's entries, and forgets identities
// not seen for two periods (a cardinality burst must not pin memory
// forever). The table itself is dropped: keeping it for reuse would double a
// reader's index and entries at 100k series, for allocations made once a
// period, not once a line.
func (l *Local) recycle(t *table, before int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if unpin := l.forget(func(id *identity) bool { return id.lastSeen < before }); len(unpin) > 0 {
		l.a.unpin(unpin)
	}
	if len(l.unpinDue) > 0 {
		l.a.unpin(l.unpinDue)
	}
	l.unpinDue, l.unpinLater = l.unpinLater, nil
	// Keep what this period used, not what a burst long ago did.
	clear(l.dists)
	clear(l.sets)
	l.dists, l.sets = l.dists[:0], l.sets[:0]
	for i := range t.entries {
		e := &t.entries[i]
		if e.dist != nil {
			e.dist.reset()
			l.dists = append(l.dists, e.dist)
		}
		if e.set != nil {
			clear(e.set)
			l.sets = append(l.sets, e.set)
		}
		e.dist, e.set = nil, nil
	}
}

// forget drops the identities that drop says to, and returns the names of
// the unit pins they held, for the caller to give back.
func (l *Local) forget(drop func(*identity) bool) (unpin []string) {
	for k, id := range l.ids {
		if drop(id) {
			delete(l.ids, k)
			if id.pinned {
				unpin = append(unpin, id.name())
			}
		}
	}
	return unpin
}

// empty reports whether the Local has folded nothing since it started.
func (l *Local) empty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.ids) == 0 && len(l.past) == 0
}

// newEntry is id's entry for a new period, with a distribution or a member
// set from the last period's when its type needs one.
func (l *Local) newEntry(id *identity) entry {
	e := entry{id: id}
	switch id.typ {
	case line.Counter, line.Gauge:
	case line.Set:
		if n := len(l.sets); n > 0 {
			e.set, l.sets = l.sets[n-1], l.sets[:n-1]
		}
	default:
		if n := len(l.dists); n > 0 {
			e.dist, l.dists = l.dists[n-1], l.dists[:n-1]
		}
	}
	return e
}

// newIdentity makes a series' identity from its canonical key (see
// canonicalKey) and the operator's dimensions: the name and every tag
// dimension are substrings of the key, so a series costs one string however
// many tags it has.
func (a *Aggregator) newIdentity(key string, nameLen, ntags int, typ line.Type, op []Dimension) *identity {
	id := &identity{key: key, nameLen: uint16(nameLen), typ: typ}
	id.unit, id.pinned = a.unitOf(id.name(), typ)
	id.rollup = a.rules.rollupFor(id.name())
	id.hiRes = a.gather != nil && a.rules.highRes(id.name())
	id.dims = dimsOf(key, nameLen, ntags, op)
	return id
}

// withOperator is a copy of id (holding no unit pin) whose dimensions have
// the operator's dimensions op instead of the ones id was made with.
func (id *identity) withOperator(op []Dimension) *identity {
	ntags := (strings.Count(id.key, "\x00") - 1) / 2
	return &identity{key: id.key, nameLen: id.nameLen, typ: id.typ, unit: id.unit, rollup: id.rollup, hiRes: id.hiRes,
		dims: dimsOf(id.key, int(id.nameLen), ntags, op)}
}

// dimsOf is the dimensions of a series: the ntags tag dimensions in its key
// and the operator's op, sorted by name. Tags that op names, and tags past
// what op leaves of 30, are left out: a key made under other operator
// dimensions (an idle gauge's, after a metadata change) still makes a datum
// CloudWatch takes.
func dimsOf(key string, nameLen, ntags int, op []Dimension) []Dimension {
	if ntags+len(op) == 0 {
		return nil
	}
	dims := make([]Dimension, 0, ntags+len(op))
	rest := key[nameLen+2:] // past the name, NUL and the type byte
	room := max(0, MaxDimensions-len(op))
	for range ntags {
		var d Dimension
		rest = rest[1:] // the NUL before the dimension name
		n := strings.IndexByte(rest, 0)
		d.Name, rest = rest[:n], rest[n+1:]
		if n = strings.IndexByte(rest, 0); n < 0 {
			n = len(rest)
		}
		d.Value, rest = rest[:n], rest[n:]
		if len(dims) < room && !reserved(op, d.Name) {
			dims = append(dims, d)
		}
	}
	if len(op) > 0 {
		dims = append(dims, op...)
		slices.SortFunc(dims, compareDims)
	}
	return dims
}
