package aggregate

import (
	"hash/maphash"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// series is one metric name + type + dimensions within one period.
type series struct {
	name  string
	dims  []Dimension
	typ   line.Type
	st    stats
	dist  *distribution       // ms, h, d
	set   map[uint64]struct{} // s: members by 64-bit hash
	gauge *gaugeState         // g: the value that outlives the period
}

// gaugeState is what a gauge keeps across periods: its last value (the base
// for +N/-N deltas, and what an idle gauge repeats) and when it was last set.
type gaugeState struct {
	name    string
	dims    []Dimension
	last    float64
	touched int64 // unix seconds of the start of the last period that set it
}

var memberSeed = maphash.MakeSeed()

func (s *series) fold(smp *line.Sample, weight float64) {
	switch smp.Type {
	case line.Counter:
		for _, v := range smp.Values {
			s.st.add(v, weight)
		}
	case line.Gauge:
		// Gauges are set, not sampled: the rate does not scale them.
		for i, v := range smp.Values {
			if smp.Deltas[i] {
				v += s.gauge.last
			}
			s.gauge.last = v
			s.st.add(v, 1)
		}
	case line.Set:
		if s.set == nil {
			s.set = make(map[uint64]struct{}, 4)
		}
		for _, m := range smp.Members {
			s.set[maphash.Bytes(memberSeed, m)] = struct{}{}
		}
	default:
		if s.dist == nil {
			s.dist = &distribution{}
		}
		for _, v := range smp.Values {
			s.st.add(v, weight)
			s.dist.add(v, weight)
		}
	}
}

func (s *series) datum() Datum {
	d := Datum{Name: s.name, Dimensions: s.dims, Unit: UnitNone}
	switch s.typ {
	case line.Counter:
		d.Stats, d.Unit = s.st.set(), UnitCount
	case line.Gauge:
		d.Stats = s.st.set()
	case line.Set:
		d.HasValue, d.Value, d.Unit = true, float64(len(s.set)), UnitCount
	default:
		d.Stats = s.st.set()
		d.Values, d.Counts = s.dist.points(s.st.min, s.st.max)
		if s.typ == line.Timer {
			d.Unit = UnitMilliseconds
		}
	}
	return d
}
