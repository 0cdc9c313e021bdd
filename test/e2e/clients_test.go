package e2e

import (
	"net"
	"testing"
	"time"

	"github.com/DataDog/datadog-go/v5/statsd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_DatadogGoClient sends through github.com/DataDog/datadog-go/v5,
// over UDP and over its unix:// (datagram) transport, with the address from
// the env as an app gets it: DD_AGENT_HOST and DD_DOGSTATSD_PORT, then
// DD_DOGSTATSD_URL (which wins over them).
func TestE2E_DatadogGoClient(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	a := startAgent(t, awsEnv(cw))
	host, port, err := net.SplitHostPort(a.UDP)
	require.NoError(t, err)
	t.Setenv("DD_AGENT_HOST", host)
	t.Setenv("DD_DOGSTATSD_PORT", port)

	for _, target := range []struct{ prefix, url string }{
		{"dd.udp.", ""},
		{"dd.uds.", "unix://" + a.Socket},
	} {
		t.Setenv("DD_DOGSTATSD_URL", target.url)
		// Client-side aggregation would pre-sum counters into one line; off,
		// each call is one sample and SampleCount is exact.
		c, err := statsd.New("", statsd.WithNamespace(target.prefix),
			statsd.WithoutTelemetry(), statsd.WithoutClientSideAggregation(), statsd.WithoutOriginDetection())
		require.NoError(t, err)
		tags := []string{"env:prod", "svc:checkout"}
		require.NoError(t, c.Incr("orders", tags, 1))
		require.NoError(t, c.Count("orders", 4, tags, 1))
		require.NoError(t, c.Gauge("queue", 7, nil, 1))
		require.NoError(t, c.Gauge("queue", 3, nil, 1))
		require.NoError(t, c.Timing("latency", 250*time.Millisecond, tags, 1))
		require.NoError(t, c.TimeInMilliseconds("latency", 125, tags, 1))
		require.NoError(t, c.Histogram("bytes", 2048, nil, 1))
		require.NoError(t, c.Distribution("ratio", 0.25, nil, 1))
		require.NoError(t, c.Set("users", "alice", nil, 1))
		require.NoError(t, c.Set("users", "bob", nil, 1))
		require.NoError(t, c.Set("users", "alice", nil, 1))
		require.NoError(t, c.Event(statsd.NewEvent("deploy", "skipped by the agent")))
		require.NoError(t, c.Close()) // flushes its buffer
	}
	a.stop()

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	for _, p := range []string{"dd.udp.", "dd.uds."} {
		one := func(key string) fakecw.Datum {
			t.Helper()
			require.Len(t, got[key], 1, "%s in %v", key, keys(got))
			return got[key][0]
		}
		assert.Equal(t, stats(2, 5, 1, 4), one(p+"orders{env=prod,svc=checkout}").StatisticValues)
		assert.Equal(t, stats(2, 10, 3, 7), one(p+"queue{}").StatisticValues)
		lat := one(p + "latency{env=prod,svc=checkout}")
		assert.Equal(t, stats(2, 375, 125, 250), lat.StatisticValues)
		assert.Equal(t, "Milliseconds", lat.Unit)
		assert.Equal(t, []float64{125, 250}, lat.Values)
		assert.Equal(t, stats(1, 2048, 2048, 2048), one(p+"bytes{}").StatisticValues)
		assert.Equal(t, stats(1, 0.25, 0.25, 0.25), one(p+"ratio{}").StatisticValues)
		assert.Equal(t, 2.0, *one(p + "users{}").Value)
	}
	assert.Len(t, got, 12)
	assert.Equal(t, 12, a.summary("lines_udp"), "11 samples and the event")
	assert.Equal(t, 12, a.summary("lines_unixgram"), "DD_DOGSTATSD_URL chose the socket")
}
