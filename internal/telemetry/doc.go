// Package telemetry owns the agent's view of itself: OpenTelemetry
// instruments over the counters the pipeline already keeps (nothing here is
// on the hot path: observable instruments read atomics at scrape time), a
// Prometheus exporter on a private registry, and the admin HTTP server with
// /metrics, /-/healthy and /-/ready. Check is the client side of /-/healthy,
// for "cwagentd health".
//
// METRICS.md at the repository root lists every metric.
package telemetry
