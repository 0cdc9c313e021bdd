package aggregate

import "math"

// stats accumulates a weighted StatisticSet.
type stats struct {
	count, sum, min, max float64
}

func (s *stats) add(v, weight float64) {
	if s.count == 0 {
		s.min, s.max = v, v
	} else {
		s.min, s.max = math.Min(s.min, v), math.Max(s.max, v)
	}
	s.count += weight
	s.sum += v * weight
}

func (s *stats) set() StatisticSet {
	return StatisticSet{SampleCount: s.count, Sum: s.sum, Minimum: s.min, Maximum: s.max}
}

// merge adds o's samples to s.
func (s *stats) merge(o *stats) {
	if o.count == 0 {
		return
	}
	if s.count == 0 {
		*s = *o
		return
	}
	s.min, s.max = math.Min(s.min, o.min), math.Max(s.max, o.max)
	s.count += o.count
	s.sum += o.sum
}
