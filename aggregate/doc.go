// Package aggregate folds parsed StatsD samples into one CloudWatch datum per
// series per period.
//
// A series is a metric name, a StatsD type and a sorted set of dimensions made
// from the line's tags. Periods are aligned to the wall clock; when one closes
// its table becomes a Batch of Datums, each already within CloudWatch's limits
// (dimensions trimmed and fixed by the rules in dims.go, values finite).
//
// The package owns the fold semantics of DESIGN.md's table: counters,
// gauges (persisting across periods until a TTL), sets, and distributions
// (ms, h, d) with exact StatisticSets plus Values/Counts for percentiles. It
// never talks to the network and never blocks its caller on anything but a
// short mutex.
package aggregate
