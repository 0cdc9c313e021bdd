package aggregate

import (
	"hash/maphash"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// identity is a series' name and dimensions, copied out of a line once and
// reused by every period while the series lives.
type identity struct {
	key     string // canonical key: the name comes first (see name)
	dims    []Dimension
	nameLen uint16
	typ     line.Type
	unit    uint8   // index in unitNames
	pinned  bool    // holds a unit pin (see unitPins)
	hiRes   bool    // published every HighResPeriod (see highres.go)
	rollup  *Rollup // the rollup rule for its name, if any

	lastSeen int64 // start of the last period with a sample

	// Where its entry is in its reader's open table (the table's generation
	// and the position): a field instead of a per-table map, a few MB fewer
	// at 100k series.
	atGen   uint32
	atEntry int32
}

// name is the series' metric name, the head of its key: a field would cost
// 16 bytes a series.
func (id *identity) name() string { return id.key[:id.nameLen] }

// entry is one series within one period of one reader, stored by value.
type entry struct {
	id    *identity
	st    stats
	dist  *distribution       // ms, h, d
	set   map[uint64]struct{} // s: members by 64-bit hash
	gauge *gaugeState         // g: shared by every reader
	raw   uint64              // the raw key that made it (see rawIndex)
}

var memberSeed = maphash.MakeSeed()

func (e *entry) fold(smp *line.Sample, weight float64) {
	switch smp.Type {
	case line.Counter:
		for _, v := range smp.Values {
			e.st.add(v, weight)
		}
	case line.Gauge:
		// Gauges are set, not sampled: the rate does not scale them.
		for i, v := range smp.Values {
			e.st.add(e.gauge.set(v, smp.Deltas[i]), 1)
		}
	case line.Set:
		if e.set == nil {
			e.set = make(map[uint64]struct{}, 4)
		}
		for _, m := range smp.Members {
			e.set[maphash.Bytes(memberSeed, m)] = struct{}{}
		}
	default:
		if e.dist == nil {
			e.dist = &distribution{}
		}
		for _, v := range smp.Values {
			e.st.add(v, weight)
			e.dist.add(v, weight)
		}
	}
}

// merge folds o (the same series from another reader) into e.
func (e *entry) merge(o *entry) {
	e.st.merge(&o.st)
	if o.set != nil {
		if e.set == nil {
			e.set = make(map[uint64]struct{}, len(o.set))
		}
		for m := range o.set {
			e.set[m] = struct{}{}
		}
	}
	if o.dist != nil {
		if e.dist == nil {
			e.dist = &distribution{}
		}
		e.dist.merge(o.dist)
	}
}

// appendDatums renders the entry as datums: one, or for a distribution as
// wide as to need it, up to MaxChunks (see distribution.appendDatums).
func (e *entry) appendDatums(out []Datum) []Datum {
	id := e.id
	d := Datum{Name: id.name(), Dimensions: id.dims, Unit: unitNames[id.unit]}
	switch id.typ {
	case line.Counter, line.Gauge:
		d.Stats = e.st.set()
	case line.Set:
		d.HasValue, d.Value = true, float64(len(e.set))
	default:
		return e.dist.appendDatums(out, d, &e.st)
	}
	return append(out, d)
}
