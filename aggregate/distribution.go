package aggregate

import (
	"math"
	"slices"
)

// MaxValues is CloudWatch's limit on Values (and Counts) per datum.
const MaxValues = 150

// BucketAccuracy is the relative error of a distribution's log buckets before
// they are coarsened to fit MaxValues: a point stands for every value within
// 1% of it.
const BucketAccuracy = 0.01

var (
	gamma    = (1 + BucketAccuracy) / (1 - BucketAccuracy)
	logGamma = math.Log(gamma)
)

// distribution keeps what CloudWatch needs for percentiles: every distinct
// value and its weight while there are at most MaxValues of them (exact), then
// logarithmic buckets (bounded relative error). Sum, Min and Max never come
// from here: the StatisticSet beside it keeps them exact.
type distribution struct {
	exact    map[float64]float64 // value -> weight; nil once bucketed
	pos, neg map[int32]float64   // bucket index of |v| -> weight
	zero     float64             // weight of exact zeros, once bucketed
}

// reset empties d for reuse, keeping its exact-value map; a bucketed one
// starts exact again (its buckets are dropped: bucketing is the rare case).
func (d *distribution) reset() {
	clear(d.exact)
	d.pos, d.neg, d.zero = nil, nil, 0
}

func (d *distribution) add(v, weight float64) {
	if d.pos == nil {
		if d.exact == nil {
			d.exact = make(map[float64]float64, 8)
		}
		if len(d.exact) < MaxValues { // one map operation in the usual case
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

func (d *distribution) toBuckets() {
	d.pos, d.neg = map[int32]float64{}, map[int32]float64{}
	for v, w := range d.exact {
		d.addBucket(v, w)
	}
	d.exact = nil
}

func (d *distribution) addBucket(v, weight float64) {
	switch {
	case v > 0:
		d.pos[bucketIndex(v)] += weight
	case v < 0:
		d.neg[bucketIndex(-v)] += weight
	default:
		d.zero += weight
	}
}

// bucketIndex returns i such that gamma^(i-1) < v <= gamma^i.
func bucketIndex(v float64) int32 { return int32(math.Ceil(math.Log(v) / logGamma)) }

type bucket struct {
	index  int32
	weight float64
}

// points renders at most MaxValues ascending Values with their Counts. In
// bucket mode each bucket becomes the point with the least relative error
// for its range, clamped to [min, max]; when there are more than MaxValues
// buckets, neighbours are merged pairwise (doubling the bucket width in log
// space) until they fit, so the error bound becomes (g-1)/(g+1) for the
// coarsened g = gamma^(2^k).
func (d *distribution) points(min, max float64) (values, counts []float64) {
	if d.exact != nil {
		values = make([]float64, 0, len(d.exact))
		for v := range d.exact {
			values = append(values, v)
		}
		slices.Sort(values)
		counts = make([]float64, len(values))
		for i, v := range values {
			counts[i] = d.exact[v]
		}
		return values, counts
	}
	pos, neg := sortedBuckets(d.pos), sortedBuckets(d.neg)
	g := gamma
	zero := 0
	if d.zero > 0 {
		zero = 1
	}
	for len(pos)+len(neg)+zero > MaxValues {
		pos, neg, g = coarsen(pos), coarsen(neg), g*g
	}
	values = make([]float64, 0, len(pos)+len(neg)+zero)
	counts = make([]float64, 0, cap(values))
	for i := len(neg) - 1; i >= 0; i-- {
		values = append(values, clamp(-represent(neg[i].index, g), min, max))
		counts = append(counts, neg[i].weight)
	}
	if zero == 1 {
		values, counts = append(values, 0), append(counts, d.zero)
	}
	for _, b := range pos {
		values = append(values, clamp(represent(b.index, g), min, max))
		counts = append(counts, b.weight)
	}
	return values, counts
}

func sortedBuckets(m map[int32]float64) []bucket {
	out := make([]bucket, 0, len(m))
	for i, w := range m {
		out = append(out, bucket{i, w})
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
			continue
		}
		out = append(out, bucket{j, b.weight})
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
	if o.exact != nil {
		for v, w := range o.exact {
			d.add(v, w)
		}
		return
	}
	if d.pos == nil {
		if d.exact == nil {
			d.exact = map[float64]float64{}
		}
		d.toBuckets()
	}
	for i, w := range o.pos {
		d.pos[i] += w
	}
	for i, w := range o.neg {
		d.neg[i] += w
	}
	d.zero += o.zero
}
