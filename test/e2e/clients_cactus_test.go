package e2e

import (
	"testing"
	"time"

	"github.com/cactus/go-statsd-client/v5/statsd"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_CactusClient sends the client scenario through
// github.com/cactus/go-statsd-client/v5, over UDP (its only transport): once
// with its simple sender (a datagram per call) and once with its buffered one
// (many lines per datagram), tags in its default DogStatsD format (|#k:v).
func TestE2E_CactusClient(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	a := startAgent(t, awsEnv(cw))

	for _, tr := range []struct {
		prefix   string
		buffered bool
	}{{"cactus.udp", false}, {"cactus.buf", true}} {
		// An hour: the buffered sender sends at Close, in one datagram.
		c, err := statsd.NewClientWithConfig(&statsd.ClientConfig{Address: a.UDP, Prefix: tr.prefix,
			UseBuffered: tr.buffered, FlushInterval: time.Hour})
		require.NoError(t, err)
		flips := 0
		// The client's sampling seam, asked for every call; its default,
		// statsd.DefaultSampler, is rand.Float32() < rate below rate 1.
		c.(*statsd.Client).SetSamplerFunc(func(rate float32) bool {
			if rate >= 1 {
				return true
			}
			flips++
			return coin(flips) < rate
		})
		sendCactus(t, c)
		require.NoError(t, c.Close())
		assert.Equal(t, scenarioFlips, flips, "the client asked its sampler once per sampled call")
	}
	a.stop()

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	for _, p := range []string{"cactus.udp.", "cactus.buf."} {
		assertScenario(t, got, p, "{env=prod,svc=checkout}")
	}
	assert.Len(t, got, 12)
	assert.Equal(t, 2*scenarioLines, a.summary("lines_udp"), "the client dropped the unsampled calls")
	assert.Zero(t, a.summary("lines_dropped"))
}

func sendCactus(t *testing.T, c statsd.Statter) {
	t.Helper()
	tags := []statsd.Tag{{"env", "prod"}, {"svc", "checkout"}}
	require.NoError(t, c.Inc("orders", 1, 1, tags...))
	require.NoError(t, c.Inc("orders", 4, 1, tags...))
	require.NoError(t, c.Dec("orders", 2, 1, tags...))
	for range 10 {
		require.NoError(t, c.Inc("hits", 1, 0.5))
	}
	for ms := int64(10); ms <= 100; ms += 10 {
		require.NoError(t, c.Timing("latency", ms, 0.5, tags...))
	}
	require.NoError(t, c.TimingDuration("render", 12500*time.Microsecond, 1))
	require.NoError(t, c.Gauge("queue", 7, 1))
	require.NoError(t, c.GaugeDelta("queue", 5, 1))
	require.NoError(t, c.GaugeDelta("queue", -2, 1))
	require.NoError(t, c.Set("users", "alice", 1))
	require.NoError(t, c.Set("users", "bob", 1))
	require.NoError(t, c.Set("users", "alice", 1))
}
