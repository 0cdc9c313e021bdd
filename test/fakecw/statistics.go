package fakecw

import (
	"cmp"
	"math"
	"slices"
)

// Statistics is what CloudWatch serves for one series and period from the
// datums it was sent: their StatisticSets merged (counts and sums added,
// the least Minimum, the greatest Maximum) and, for percentiles, every
// Values/Counts point pooled.
type Statistics struct {
	StatisticSet
	Values, Counts []float64 // pooled, ascending by value
}

// Merge folds the datums of one series and period the way CloudWatch does.
// A datum with a Value counts as one sample of it.
func Merge(ds []Datum) Statistics {
	st := Statistics{StatisticSet: StatisticSet{Minimum: math.Inf(1), Maximum: math.Inf(-1)}}
	type point struct{ v, c float64 }
	var pts []point
	add := func(n, sum, lo, hi float64) {
		st.SampleCount += n
		st.Sum += sum
		st.Minimum, st.Maximum = math.Min(st.Minimum, lo), math.Max(st.Maximum, hi)
	}
	for _, d := range ds {
		switch {
		case d.Value != nil:
			add(1, *d.Value, *d.Value, *d.Value)
			pts = append(pts, point{*d.Value, 1})
		case d.StatisticValues != nil:
			s := d.StatisticValues
			add(s.SampleCount, s.Sum, s.Minimum, s.Maximum)
		}
		for i, v := range d.Values {
			c := 1.0
			if i < len(d.Counts) {
				c = d.Counts[i]
			}
			pts = append(pts, point{v, c})
		}
	}
	slices.SortStableFunc(pts, func(a, b point) int { return cmp.Compare(a.v, b.v) })
	for _, p := range pts {
		st.Values, st.Counts = append(st.Values, p.v), append(st.Counts, p.c)
	}
	return st
}

// Percentile is the nearest-rank percentile q (0 < q <= 1) of the pooled
// points: the least value whose cumulative count reaches q of the total.
// CloudWatch does not publish its method; nearest rank over the points it
// was sent is the reading that the agent's accuracy bound is stated in.
// NaN without points.
func (s Statistics) Percentile(q float64) float64 {
	var total float64
	for _, c := range s.Counts {
		total += c
	}
	if total == 0 {
		return math.NaN()
	}
	rank, seen := q*total, 0.0
	for i, c := range s.Counts {
		if seen += c; seen >= rank {
			return s.Values[i]
		}
	}
	return s.Values[len(s.Values)-1]
}
