package aggregate

import (
	"math"
	"slices"
	"sort"
)

// MaxValues is CloudWatch's limit on Values (and Counts) per datum.
const MaxValues = 150

// MaxChunks is how many datums one series' distribution may take per
// period: CloudWatch merges the datums of a series and timestamp, so a wide
// distribution goes out as up to MaxChunks datums of MaxValues points each.
// 5 x 150 buckets at BucketAccuracy cover values from 1 to 3.2e6 (ratio
// gamma^749); wider ranges are coarsened.
const MaxChunks = 5

// BucketAccuracy is the relative error of a distribution's log buckets
// while they fit MaxChunks datums: a point stands for every value within 1%
// of it.
const BucketAccuracy = 0.01

var (
	gamma    = (1 + BucketAccuracy) / (1 - BucketAccuracy)
	logGamma = math.Log(gamma)
)

// distribution keeps what CloudWatch needs for percentiles: every distinct
// value and its weight while there are at most MaxValues of them (exact), then
// logarithmic buckets (bounded relative error) with the weight and sum of the
// samples in each. Sum, Min and Max of the series come from the StatisticSet
// beside it, which is exact.
//
// The first few distinct values sit in the struct, which is 128 bytes and so
// cache-line aligned: at 100k series most timers see a few values a period,
// and the check, the count and the first values are one cache line, where a
// map is two misses (BENCHMARKS.md).
type distribution struct {
	b     *buckets            // nil while exact
	exact map[float64]float64 // value -> weight, the distinct values past few
	nfew  int                 // how many of few are set
	few   [fewValues]valueWeight
}

// fewValues fills the distribution's 128 bytes.
const fewValues = 6

type valueWeight struct{ v, w float64 }

// buckets hold a distribution past MaxValues distinct values.
type buckets struct {
	pos, neg map[int32]mass // bucket index of |v| -> its samples
	zero     float64        // weight of exact zeros
}

// mass is the weight and weighted sum of the samples in a bucket.
type mass struct{ weight, sum float64 }

// reset empties d for reuse, keeping its exact-value map; a bucketed one
// starts exact again (its buckets are dropped: bucketing is the rare case).
func (d *distribution) reset() {
	d.nfew = 0
	clear(d.exact)
	d.b = nil
}

func (d *distribution) add(v, weight float64) {
	if d.b == nil {
		for i := range d.nfew {
			if d.few[i].v == v {
				d.few[i].w += weight
				return
			}
		}
		if d.nfew < fewValues {
			d.few[d.nfew] = valueWeight{v, weight}
			d.nfew++
			return
		}
		if d.exact == nil {
			d.exact = make(map[float64]float64, 8)
		}
		if d.nfew+len(d.exact) < MaxValues { // one map operation in the usual case
			d.exact[v] += weight
			return
		}
		if _, ok := d.exact[v]; ok {
			d.exact[v] += weight
			return
		}
		d.toBuckets()
	}
	d.addBucket(v, weight)
}

// each calls f with every distinct value and its weight while d is exact.
func (d *distribution) each(f func(v, w float64)) {
	for _, p := range d.few[:d.nfew] {
		f(p.v, p.w)
	}
	for v, w := range d.exact {
		f(v, w)
	}
}

func (d *distribution) toBuckets() {
	d.b = &buckets{pos: map[int32]mass{}, neg: map[int32]mass{}}
	d.each(d.addBucket)
	d.nfew = 0
	clear(d.exact) // kept for the next period's reuse
}

func (d *distribution) addBucket(v, weight float64) {
	switch {
	case v > 0:
		addMass(d.b.pos, bucketIndex(v), mass{weight, v * weight})
	case v < 0:
		addMass(d.b.neg, bucketIndex(-v), mass{weight, v * weight})
	default:
		d.b.zero += weight
	}
}

func addMass(m map[int32]mass, i int32, x mass) {
	b := m[i]
	b.weight += x.weight
	b.sum += x.sum
	m[i] = b
}

// bucketIndex returns i such that gamma^(i-1) < v <= gamma^i.
func bucketIndex(v float64) int32 { return int32(math.Ceil(math.Log(v) / logGamma)) }

type bucket struct {
	index int32
	mass
}

// point is one entry of Values/Counts with the range of values it stands
// for and the weighted sum of its samples.
type point struct {
	value, lo, hi float64
	mass
}

// appendDatums renders a distribution series' statistics st as datums made
// from base (name, dimensions, unit): one datum with every distinct value
// while there are at most MaxValues, else up to MaxChunks datums of at most
// MaxValues ascending points each. Each datum's StatisticSet covers the
// samples its points stand for, and together they add up to st (Sum to the
// last bit: the last datum takes the remainder), so what CloudWatch merges
// is the series' exact SampleCount, Sum, Minimum and Maximum.
func (d *distribution) appendDatums(out []Datum, base Datum, st *stats) []Datum {
	if d.b == nil {
		base.Stats = st.set()
		n := d.nfew + len(d.exact)
		pts := make([]float64, 2*n) // Values then Counts: one allocation
		i := 0
		d.each(func(v, w float64) { pts[i], pts[n+i] = v, w; i++ })
		base.Values, base.Counts = pts[:n:n], pts[n:]
		sort.Sort(byValue{base.Values, base.Counts})
		return append(out, base)
	}
	pts := d.points(st.min, st.max)
	chunks := (len(pts) + MaxValues - 1) / MaxValues
	size := (len(pts) + chunks - 1) / chunks
	var sum float64
	for c := 0; c < chunks; c++ {
		part := pts[c*size : min((c+1)*size, len(pts))]
		dt := base
		n := len(part)
		pts := make([]float64, 2*n)
		dt.Values, dt.Counts = pts[:n:n], pts[n:]
		s := StatisticSet{Minimum: part[0].lo, Maximum: part[len(part)-1].hi}
		for i, p := range part {
			dt.Values[i], dt.Counts[i] = p.value, p.weight
			s.SampleCount += p.weight
			s.Sum += p.sum
		}
		if c == 0 {
			s.Minimum = st.min
		}
		if c == chunks-1 {
			// The remainder makes the datums add up to the exact Sum; float
			// rounding of the others must not push it out of its range.
			s.Maximum = st.max
			s.Sum = clamp(st.sum-sum, s.SampleCount*s.Minimum, s.SampleCount*s.Maximum)
		}
		sum += s.Sum
		dt.Stats = s
		out = append(out, dt)
	}
	return out
}

// points renders the buckets as ascending points, at most
// MaxValues*MaxChunks. Each bucket becomes the point with the least relative
// error for its range, clamped to [min, max]; when there are too many
// buckets, neighbours are merged pairwise (doubling the bucket width in log
// space) until they fit, so the error bound becomes (g-1)/(g+1) for the
// coarsened g = gamma^(2^k).
func (d *distribution) points(min, max float64) []point {
	pos, neg := sortedBuckets(d.b.pos), sortedBuckets(d.b.neg)
	g := gamma
	zero := 0
	if d.b.zero > 0 {
		zero = 1
	}
	for len(pos)+len(neg)+zero > MaxValues*MaxChunks {
		pos, neg, g = coarsen(pos), coarsen(neg), g*g
	}
	out := make([]point, 0, len(pos)+len(neg)+zero)
	for i := len(neg) - 1; i >= 0; i-- {
		b := neg[i]
		lo, hi := -math.Pow(g, float64(b.index)), -math.Pow(g, float64(b.index-1))
		out = append(out, point{clamp(-represent(b.index, g), min, max), clamp(lo, min, max), clamp(hi, min, max), b.mass})
	}
	if zero == 1 {
		out = append(out, point{mass: mass{weight: d.b.zero}})
	}
	for _, b := range pos {
		lo, hi := math.Pow(g, float64(b.index-1)), math.Pow(g, float64(b.index))
		out = append(out, point{clamp(represent(b.index, g), min, max), clamp(lo, min, max), clamp(hi, min, max), b.mass})
	}
	return out
}

func sortedBuckets(m map[int32]mass) []bucket {
	out := make([]bucket, 0, len(m))
	for i, x := range m {
		out = append(out, bucket{i, x})
	}
	slices.SortFunc(out, func(a, b bucket) int { return int(a.index) - int(b.index) })
	return out
}

// coarsen merges bucket pairs: (g^(i-1), g^i] for i = 2j-1, 2j becomes
// (G^(j-1), G^j] with G = g^2, i.e. j = ceil(i/2).
func coarsen(in []bucket) []bucket {
	out := in[:0]
	for _, b := range in {
		j := (b.index + 1) >> 1
		if n := len(out); n > 0 && out[n-1].index == j {
			out[n-1].weight += b.weight
			out[n-1].sum += b.sum
			continue
		}
		out = append(out, bucket{j, b.mass})
	}
	return out
}

// represent is the point of (g^(i-1), g^i] with the least worst-case relative
// error: 2g^i/(g+1), off by at most (g-1)/(g+1) from anything in the bucket.
func represent(i int32, g float64) float64 {
	return 2 * math.Pow(g, float64(i)) / (g + 1)
}

func clamp(v, lo, hi float64) float64 { return math.Min(math.Max(v, lo), hi) }

// merge adds o's points to d, exactly while both are exact and the union
// fits, in buckets otherwise.
func (d *distribution) merge(o *distribution) {
	if o.b == nil {
		o.each(d.add)
		return
	}
	if d.b == nil {
		d.toBuckets()
	}
	for i, x := range o.b.pos {
		addMass(d.b.pos, i, x)
	}
	for i, x := range o.b.neg {
		addMass(d.b.neg, i, x)
	}
	d.b.zero += o.b.zero
}

// byValue sorts Values and their Counts together.
type byValue struct{ v, c []float64 }

func (b byValue) Len() int           { return len(b.v) }
func (b byValue) Less(i, j int) bool { return b.v[i] < b.v[j] }
func (b byValue) Swap(i, j int) {
	b.v[i], b.v[j] = b.v[j], b.v[i]
	b.c[i], b.c[j] = b.c[j], b.c[i]
}
