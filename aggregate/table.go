package aggregate

import (
	"cmp"
	"slices"
	"time"
)

// table holds the series of one period.
type table struct {
	start  int64 // unix seconds
	series map[string]*series
}

func newTable(start time.Time) *table {
	return &table{start: start.Unix(), series: map[string]*series{}}
}

// Close ends the open period and starts the one beginning at next. It returns
// a Batch for the closed period (with idle gauges repeated) and one for each
// past period that |T samples named since the last Close, oldest first.
// Batches with no datums are left out.
func (a *Aggregator) Close(next time.Time) []Batch {
	a.mu.Lock()
	cur, past := a.cur, a.past
	a.cur, a.past = newTable(next.Truncate(a.opts.Period)), map[int64]*table{}
	idle := a.idleGauges(cur.start)
	a.mu.Unlock()

	var out []Batch
	for _, t := range sortedTables(past) {
		out = a.appendBatch(out, t, nil)
	}
	return a.appendBatch(out, cur, idle)
}

// idleGauges returns the datums of gauges not set during the period starting
// at start that are still within their TTL, and forgets expired ones.
func (a *Aggregator) idleGauges(start int64) []Datum {
	var out []Datum
	ttl := int64(a.opts.GaugeTTL / time.Second)
	for k, g := range a.gauges {
		switch {
		case g.touched >= start:
		case start-g.touched < ttl:
			out = append(out, Datum{Name: g.name, Dimensions: g.dims, Unit: UnitNone,
				Stats: StatisticSet{SampleCount: 1, Sum: g.last, Minimum: g.last, Maximum: g.last}})
		default:
			delete(a.gauges, k)
		}
	}
	return out
}

func (a *Aggregator) appendBatch(out []Batch, t *table, extra []Datum) []Batch {
	if len(t.series)+len(extra) == 0 {
		return out
	}
	b := Batch{Start: time.Unix(t.start, 0).UTC(), Resolution: a.resolution(),
		Datums: make([]Datum, 0, len(t.series)+len(extra))}
	for _, s := range t.series {
		b.Datums = append(b.Datums, s.datum())
	}
	b.Datums = append(b.Datums, extra...)
	// A stable order makes the output reproducible (stdout, tests, diffs).
	slices.SortFunc(b.Datums, compareDatums)
	return append(out, b)
}

// resolution is 1 (high resolution) for periods under a minute.
func (a *Aggregator) resolution() int {
	if a.opts.Period < time.Minute {
		return 1
	}
	return 60
}

func sortedTables(m map[int64]*table) []*table {
	out := make([]*table, 0, len(m))
	for _, t := range m {
		out = append(out, t)
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].start < out[j-1].start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func compareDatums(a, b Datum) int {
	if c := cmp.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	return slices.CompareFunc(a.Dimensions, b.Dimensions, func(x, y Dimension) int {
		return cmp.Or(cmp.Compare(x.Name, y.Name), cmp.Compare(x.Value, y.Value))
	})
}
