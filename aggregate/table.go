package aggregate

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// table holds one reader's series of one period, by value. A new one starts
// each period: the closed one is dropped once rendered, so a reader holds
// one period's table, not two (see Local.recycle).
type table struct {
	start   int64               // unix seconds
	gen     uint32              // unique within its Local (see entryOf)
	index   rawIndex            // raw key -> entry (see lookup)
	byID    map[*identity]int32 // identity -> entry, for past tables only (see entryOf)
	past    bool
	entries []entry
}

// entryOf finds id's entry in t. Raw forms of one series share the entry.
// The open table keeps the position in the identity, with the table's
// generation (a pointer would keep dropped tables alive); a past table (|T),
// which one identity may share with the open one, keeps a map.
func (t *table) entryOf(id *identity) (int32, bool) {
	if t.past {
		i, ok := t.byID[id]
		return i, ok
	}
	if id.atGen == t.gen {
		return id.atEntry, true
	}
	return 0, false
}

func (t *table) setEntryOf(id *identity, i int32) {
	if t.past {
		if t.byID == nil {
			t.byID = map[*identity]int32{}
		}
		t.byID[id] = i
		return
	}
	id.atGen, id.atEntry = t.gen, i
}

// Close ends the open period and starts the one beginning at next. It returns
// a Batch for the closed period (with idle gauges repeated) and one for each
// past period that |T samples named since the last Close, oldest first.
// Batches with no datums are left out. One goroutine calls Close (Run).
//
// With high-resolution rules the periods Close ends are the short ones, and
// the other series gather in the open standard period until it ends too.
func (a *Aggregator) Close(next time.Time) []Batch { return a.close(next, false) }

// close is Close; final also sends the standard periods still gathering
// (at shutdown).
func (a *Aggregator) close(next time.Time, final bool) []Batch {
	nextStart := next.Truncate(a.tick).Unix()
	a.mu.Lock()
	locals, closed, closedOp := slices.Clone(a.locals), a.curStart, a.curOp
	// Periods only move forward: after a clock step back, the next one
	// starts where the closed one ended (a reused table must never get a
	// start its stale positions could match).
	nextStart = max(nextStart, closed+int64(a.tick/time.Second))
	op := a.nextOp
	a.curStart, a.curOp = nextStart, op
	a.mu.Unlock()
	if a.stdEnded(closed, nextStart, final) {
		a.resetAdmitted()
	}

	curs := make([]*table, len(locals))
	past := map[int64][]*table{}
	for i, l := range locals {
		var p map[int64]*table
		curs[i], p = l.swap(nextStart, op)
		for start, t := range p {
			past[start] = append(past[start], t)
		}
	}
	idle := a.gauges.idle(a.idleSince(closed, nextStart, final), a.gaugeTTL.Load()/int64(time.Second), closedOp)

	var out []Batch
	for _, start := range slices.Sorted(maps.Keys(past)) {
		out = a.appendPeriod(out, start, mergeEntries(past[start]))
	}
	out = a.appendPeriod(out, closed, mergeEntries(curs), idle)
	out = a.appendGathered(out, nextStart, final)
	for i, l := range locals {
		l.recycle(curs[i], closed-int64(a.opts.Period/time.Second))
	}
	return out
}

// appendPeriod renders the entries of the period starting at start (in one
// or more lists: the series folded, the idle gauges' repeats): as one batch,
// or with high-resolution rules, the high-resolution series as one and the
// others gathered into their standard period.
func (a *Aggregator) appendPeriod(out []Batch, start int64, lists ...[]entry) []Batch {
	if a.gather == nil {
		return a.appendBatch(out, start, a.opts.Period, lists...)
	}
	var hi []entry
	for _, entries := range lists {
		for i := range entries {
			if entries[i].id.hiRes {
				hi = append(hi, entries[i])
			} else {
				a.gather.add(start-start%int64(a.opts.Period/time.Second), &entries[i])
			}
		}
	}
	return a.appendBatch(out, start, a.tick, hi)
}

// appendBatch renders the entries of one period as a batch, with rollups.
// The lists are rendered in place: joining them would copy a table's
// entries (7 MB at 100k series) at the moment memory peaks.
func (a *Aggregator) appendBatch(out []Batch, start int64, period time.Duration, lists ...[]entry) []Batch {
	if len(a.rules.Rollups) > 0 {
		all := lists[0]
		if len(lists) > 1 {
			all = slices.Concat(lists...)
		}
		lists = [][]entry{rollup(all)}
	}
	n := 0
	for _, entries := range lists {
		n += len(entries)
	}
	if n == 0 {
		return out
	}
	b := Batch{Start: time.Unix(start, 0).UTC(), Resolution: resolution(period), Datums: make([]Datum, 0, n)}
	for _, entries := range lists {
		for i := range entries {
			b.Datums = entries[i].appendDatums(b.Datums)
		}
	}
	// A stable order makes the output reproducible (stdout, tests, diffs).
	slices.SortStableFunc(b.Datums, compareDatums)
	return append(out, b)
}

// mergeEntries returns the entries of tables, one per series. With one
// non-empty table (one reader, the usual case) it is that table's slice.
func mergeEntries(tables []*table) []entry {
	var nonEmpty []*table
	for _, t := range tables {
		if len(t.entries) > 0 {
			nonEmpty = append(nonEmpty, t)
		}
	}
	switch len(nonEmpty) {
	case 0:
		return nil
	case 1:
		return nonEmpty[0].entries
	}
	var m merged
	for _, t := range nonEmpty {
		for i := range t.entries {
			m.add(&t.entries[i])
		}
	}
	return m.entries
}

// merged is entries of the same period from several tables or ticks, one per
// series.
type merged struct {
	index   map[string]int // series key -> entries
	entries []entry
}

// add merges a copy of e into its series' entry: e's table is recycled once
// the period is rendered.
func (m *merged) add(e *entry) {
	if m.index == nil {
		m.index = map[string]int{}
	}
	i, ok := m.index[e.id.key]
	if !ok {
		i = len(m.entries)
		m.index[e.id.key] = i
		m.entries = append(m.entries, entry{id: e.id})
	}
	m.entries[i].merge(e)
}

// resolution is 1 (high resolution) for periods under a minute.
func resolution(period time.Duration) int {
	if period < time.Minute {
		return 1
	}
	return 60
}

func compareDatums(a, b Datum) int {
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Dimensions, b.Dimensions, compareDims)
}

func compareDims(x, y Dimension) int {
	return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Value, y.Value))
}
