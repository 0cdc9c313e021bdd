// Package fakecw owns a fake Amazon CloudWatch PutMetricData endpoint for tests
// and load runs.
//
// The fake speaks the wire protocol the Go SDK really uses (Smithy RPC v2 CBOR,
// query-compatible, SigV4 signing name "monitoring", optional gzip request
// bodies), decodes every request into plain Go values, checks it against
// CloudWatch's documented PutMetricData contract, and answers the way the real
// service does, so the SDK surfaces the same Go error types a production client
// would see. Tests inspect what arrived (Requests, Accepted, Datums), what was
// wrong with it (Violations), and inject failures (FailNext, SetResponder,
// RejectDatum, ConnectionReset, an account-wide SetRateLimit) to exercise
// retry, back-off, rate-limit and bisection logic.
//
// The fake only ever listens on the address it is given; New uses a loopback
// port.
package fakecw
