package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDiff_SaysWhatChangedAndWhatNeedsARestart(t *testing.T) {
	old, _, err := run(t, "", nil, nil)
	require.NoError(t, err)
	same, _, err := run(t, "", nil, nil)
	require.NoError(t, err)
	assert.Empty(t, Diff(old, same))

	next, _, err := run(t, "log:\n  level: debug\nlisten:\n  udp: 0.0.0.0:8125\naggregation:\n  max_series: 10\n", nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	assert.Equal(t, []Change{
		{Key: "listen.udp", From: "127.0.0.1:8125", To: "0.0.0.0:8125"},
		{Key: "aggregation.max_series", From: "250000", To: "10", Live: true},
		{Key: "log.level", From: "info", To: "debug", Live: true},
	}, Diff(old, next))
	assert.Equal(t, 10, next.Aggregation.MaxSeries)
	assert.Equal(t, 20*time.Second, next.ShutdownTimeout)
}

func TestLive_NamesOnlyKnownKeys(t *testing.T) {
	for key := range liveKeys {
		_, ok := specFor(key)
		assert.True(t, ok, key)
	}
}

func TestApply_TakesOnlyLiveKeys(t *testing.T) {
	old, _, err := run(t, "", nil, nil)
	require.NoError(t, err)
	next, _, err := run(t, "log:\n  level: debug\nlisten:\n  udp: 0.0.0.0:8125\nflush:\n  jitter: 1s\nshutdown_timeout: 5s\n", nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	got := Apply(old, next)
	assert.Equal(t, "debug", got.Log.Level)
	assert.Equal(t, time.Second, got.Flush.Jitter)
	assert.Equal(t, 5*time.Second, got.ShutdownTimeout)
	assert.Equal(t, "127.0.0.1:8125", got.Listen.UDP, "a restart-only key keeps its running value")
	assert.Equal(t, []string{"listen.udp"}, keysOf(Diff(got, next)), "the next reload still reports it")
	assert.Equal(t, "info", old.Log.Level, "running is not modified")
}

func keysOf(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Key)
	}
	return out
}

// A reload cannot bring a jitter as long as the running period: the period
// is restart-only, the jitter live.
func TestCheckLive_JitterAgainstTheRunningPeriod(t *testing.T) {
	running, _, err := run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION=api.*", "CWAGENTD_AGGREGATION_HIGH_RESOLUTION_PERIOD=2s"}, nil)
	require.NoError(t, err)
	next, _, err := run(t, "", []string{"CWAGENTD_FLUSH_JITTER=10s"}, nil)
	require.NoError(t, err, "valid on its own: 60s periods")
	assert.Equal(t, "flush.jitter: 10s must be less than aggregation.high_resolution_period as running until a restart (2s); lower it, e.g. to 1s", CheckLive(running, next))
	next, _, err = run(t, "", []string{"CWAGENTD_FLUSH_JITTER=1s"}, nil)
	require.NoError(t, err)
	assert.Empty(t, CheckLive(running, next))
}
