// Package e2e runs the real cwagentd binary against the fake CloudWatch in
// test/fakecw, through the real AWS SDK, with real sockets and real StatsD
// clients. Each test starts its own agent process and stops it with SIGTERM,
// so the final flush is part of every assertion.
package e2e
