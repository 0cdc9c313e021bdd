// Package flush delivers closed periods to CloudWatch.
//
// It owns everything between a Batch of datums and a PutMetricData call that
// CloudWatch accepted: the random delay that spreads a fleet's flushes, the
// packing of datums into requests within the API's limits (computed from the
// exact encoded size, never guessed), a last check that nothing CloudWatch
// would reject is sent, the retries (the SDK's own retryer is off), and the
// bisection of requests CloudWatch refuses. It never reads sockets and never
// changes a datum's statistics.
package flush
