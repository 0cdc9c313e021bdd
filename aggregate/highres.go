package aggregate

import (
	"maps"
	"slices"
	"time"
)

// High resolution per metric: with Rules.HighResolution and
// Options.HighResPeriod, the aggregator's clock (tick) is the short period.
// The series those rules name are published every tick with
// StorageResolution 1; every other series is gathered from the ticks of its
// standard period (Options.Period) and published once when that ends, as if
// it had been folded there. Readers see one clock; only Close splits.

// gathering holds the standard-resolution series of the standard periods
// not yet ended, merged from the ticks closed so far.
type gathering struct {
	periods map[int64]*merged // by standard period start
}

// add merges e into the standard period starting at start.
func (g *gathering) add(start int64, e *entry) {
	p := g.periods[start]
	if p == nil {
		p = &merged{}
		g.periods[start] = p
	}
	p.add(e)
}

// appendGathered renders the standard periods that have ended by nextStart
// (all of them when final), oldest first.
func (a *Aggregator) appendGathered(out []Batch, nextStart int64, final bool) []Batch {
	if a.gather == nil {
		return out
	}
	period := int64(a.opts.Period / time.Second)
	for _, start := range slices.Sorted(maps.Keys(a.gather.periods)) {
		if final || start+period <= nextStart {
			out = a.appendBatch(out, start, a.opts.Period, a.gather.periods[start].entries)
			delete(a.gather.periods, start)
		}
	}
	return out
}

// idleSince says, for each gauge, from which period start on it counts as
// idle at this Close, if it is checked at all: a high-resolution gauge (or
// any, without high-resolution rules) every tick; a standard one only when
// its standard period ends, idle if not set in that whole period.
func (a *Aggregator) idleSince(closed, nextStart int64, final bool) func(*gaugeState) (int64, bool) {
	if a.gather == nil {
		return func(*gaugeState) (int64, bool) { return closed, true }
	}
	period := int64(a.opts.Period / time.Second)
	std := closed - closed%period
	ended := a.stdEnded(closed, nextStart, final)
	return func(g *gaugeState) (int64, bool) {
		switch {
		case g.id.hiRes:
			return closed, true
		case ended:
			return std, true
		}
		return 0, false
	}
}

// stdEnded reports whether closing the period starting at closed ends its
// standard period too: always without high-resolution rules, at a standard
// boundary with them, and at shutdown (final). The series cap counts the
// live series of a standard period, so that gathering stays bounded by it.
func (a *Aggregator) stdEnded(closed, nextStart int64, final bool) bool {
	if a.gather == nil || final {
		return true
	}
	period := int64(a.opts.Period / time.Second)
	return closed-closed%period+period <= nextStart
}
