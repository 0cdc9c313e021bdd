package aggregate

import "time"

// Dimension is one CloudWatch dimension.
type Dimension struct{ Name, Value string }

// StatisticSet is CloudWatch's pre-aggregated statistics.
type StatisticSet struct{ SampleCount, Sum, Minimum, Maximum float64 }

// Datum is one CloudWatch MetricDatum for one series and period. Exactly one
// of Value (when HasValue) or Stats is meaningful; Values/Counts go with Stats.
type Datum struct {
	Name       string
	Dimensions []Dimension
	Unit       string
	HasValue   bool
	Value      float64
	Stats      StatisticSet
	Values     []float64 // distribution points, ascending, <= MaxValues
	Counts     []float64 // weight of each point in Values
}

// Batch is the output of one closed period: every datum shares its
// timestamp (the period start) and storage resolution.
type Batch struct {
	Start      time.Time
	Resolution int // 1 (high resolution) or 60
	Datums     []Datum
}

// CloudWatch units this package emits.
const (
	UnitCount        = "Count"
	UnitNone         = "None"
	UnitMilliseconds = "Milliseconds"
)
