package aggregate

import (
	"cmp"
	"maps"
	"slices"
	"time"
)

// table holds one reader's series of one period, by value.
type table struct {
	start   int64               // unix seconds
	index   map[uint64]int32    // raw key -> entry
	byID    map[*identity]int32 // identity -> entry, for past tables only (see entryOf)
	past    bool
	entries []entry
}

func newTable(start int64) *table {
	return &table{start: start, index: map[uint64]int32{}}
}

// entryOf finds id's entry in t. Raw forms of one series share the entry.
// The open table keeps the position in the identity; a past table (|T),
// which one identity may share with the open one, keeps a map.
func (t *table) entryOf(id *identity) (int32, bool) {
	if t.past {
		i, ok := t.byID[id]
		return i, ok
	}
	if id.at == t && id.atStart == t.start {
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
	id.at, id.atStart, id.atEntry = t, t.start, i
}

func (t *table) reset(start int64) {
	t.start = start
	clear(t.index)
	clear(t.byID)
	clear(t.entries)
	t.entries = t.entries[:0]
}

// Close ends the open period and starts the one beginning at next. It returns
// a Batch for the closed period (with idle gauges repeated) and one for each
// past period that |T samples named since the last Close, oldest first.
// Batches with no datums are left out. One goroutine calls Close (Run).
func (a *Aggregator) Close(next time.Time) []Batch {
	nextStart := next.Truncate(a.opts.Period).Unix()
	a.mu.Lock()
	locals, closed := slices.Clone(a.locals), a.curStart
	a.curStart = nextStart
	a.mu.Unlock()
	a.resetAdmitted()

	curs := make([]*table, len(locals))
	past := map[int64][]*table{}
	for i, l := range locals {
		var p map[int64]*table
		curs[i], p = l.swap(nextStart)
		for start, t := range p {
			past[start] = append(past[start], t)
		}
	}
	idle := a.gauges.idle(closed, a.gaugeTTL.Load()/int64(time.Second), a.rules.operator.Load())

	var out []Batch
	for _, start := range slices.Sorted(maps.Keys(past)) {
		out = a.appendBatch(out, start, past[start], nil)
	}
	out = a.appendBatch(out, closed, curs, idle)
	for i, l := range locals {
		l.recycle(curs[i], closed-int64(a.opts.Period/time.Second))
	}
	return out
}

// appendBatch renders the tables of one period, merging the entries that
// several readers hold for one series, with the idle gauges and rollups.
func (a *Aggregator) appendBatch(out []Batch, start int64, tables []*table, idle []entry) []Batch {
	entries := mergeEntries(tables)
	if len(idle) > 0 {
		entries = append(slices.Clip(entries), idle...) // never into a table's array
	}
	if len(a.rules.Rollups) > 0 {
		entries = rollup(entries)
	}
	if len(entries) == 0 {
		return out
	}
	b := Batch{Start: time.Unix(start, 0).UTC(), Resolution: a.resolution(),
		Datums: make([]Datum, 0, len(entries))}
	for i := range entries {
		b.Datums = entries[i].appendDatums(b.Datums)
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
	byKey := map[string]int{}
	var out []entry
	for _, t := range nonEmpty {
		for i := range t.entries {
			e := &t.entries[i]
			if j, ok := byKey[e.id.key]; ok {
				out[j].merge(e)
				continue
			}
			byKey[e.id.key] = len(out)
			out = append(out, *e)
		}
	}
	return out
}

// resolution is 1 (high resolution) for periods under a minute.
func (a *Aggregator) resolution() int {
	if a.opts.Period < time.Minute {
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
