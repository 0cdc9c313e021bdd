package flush

import (
	"math"

	"github.com/cwagentd/cwagentd/aggregate"
)

// Magnitudes CloudWatch stores: 0, or within [2^-360, 2^360].
var (
	maxMagnitude = math.Ldexp(1, 360)
	minMagnitude = math.Ldexp(1, -360)
)

// sanitize is the last line of defence before the network: the parser and the
// aggregator keep values in range, but sums of extreme values can still
// overflow. A datum with a number CloudWatch cannot store is dropped (counted
// and logged with its name by the caller); a magnitude too small to store is
// rounded to 0. It returns the datums kept, reusing ds.
func sanitize(ds []aggregate.Datum, drop func(d *aggregate.Datum)) []aggregate.Datum {
	out := ds[:0]
	for i := range ds {
		d := &ds[i]
		if !fixNumbers(d) {
			drop(d)
			continue
		}
		out = append(out, *d)
	}
	return out
}

func fixNumbers(d *aggregate.Datum) bool {
	ok := true
	fix := func(v *float64) {
		a := math.Abs(*v)
		switch {
		case math.IsNaN(*v) || a > maxMagnitude:
			ok = false
		case a < minMagnitude:
			*v = 0
		}
	}
	if d.HasValue {
		fix(&d.Value)
	} else {
		fix(&d.Stats.SampleCount)
		fix(&d.Stats.Sum)
		fix(&d.Stats.Minimum)
		fix(&d.Stats.Maximum)
		ok = ok && d.Stats.SampleCount > 0
	}
	for i := range d.Values {
		fix(&d.Values[i])
		fix(&d.Counts[i])
	}
	return ok
}
