package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

func stats(n, sum, min, max float64) *fakecw.StatisticSet {
	return &fakecw.StatisticSet{SampleCount: n, Sum: sum, Minimum: min, Maximum: max}
}

// TestE2E_ExactFoldsForEveryTypeOverBothTransports sends every StatsD type
// over UDP and the Unix socket, stops the agent with SIGTERM right away, and
// checks what CloudWatch received to the last digit.
func TestE2E_ExactFoldsForEveryTypeOverBothTransports(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	start := time.Now().Truncate(time.Minute)
	a := startAgent(t, append(awsEnv(cw), "CWAGENTD_CLOUDWATCH_NAMESPACE=E2E/Folds"))

	for _, tr := range []string{"udp", "unixgram"} {
		p := tr + "."
		a.send(tr,
			p+"hits:1|c\n"+p+"hits:2|c|@0.5\nnot a line\n"+p+"hits:3|c|#env:prod,svc:api",
			p+"hits:4|c|#svc:api,env:prod", // tag order is not identity
			p+"temp:10|g\n"+p+"temp:+5|g\n"+p+"temp:-2|g",
			p+"users:a|s\n"+p+"users:b|s\n"+p+"users:a|s|#env:prod\n"+p+"users:a|s",
			p+"lat:10:20|ms|@0.5\n"+p+"lat:30|ms\n_e{3,4}:abc|defg\n_sc|chk|0",
			p+"size:100|h\n"+p+"size:100|h\n"+p+"size:300|h",
			p+"req:0.5|d|#az:use1a",
		)
	}
	a.stop()
	assert.NoFileExists(t, a.Socket, "the socket file is removed on exit")

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	for _, tr := range []string{"udp", "unixgram"} {
		p := tr + "."
		one := func(key string) fakecw.Datum {
			t.Helper()
			require.Len(t, got[key], 1, "datums for %s", key)
			d := got[key][0]
			assert.Equal(t, "E2E/Folds", d.Namespace)
			assert.Equal(t, start.UTC(), d.Timestamp, "timestamp is the period start")
			assert.Equal(t, 60, d.StorageResolution)
			return d
		}
		d := one(p + "hits{}")
		assert.Equal(t, stats(3, 5, 1, 2), d.StatisticValues)
		assert.Equal(t, "Count", d.Unit)
		assert.Equal(t, stats(2, 7, 3, 4), one(p+"hits{env=prod,svc=api}").StatisticValues)

		d = one(p + "temp{}")
		assert.Equal(t, stats(3, 38, 10, 15), d.StatisticValues)
		assert.Equal(t, "None", d.Unit)

		d = one(p + "users{}")
		require.NotNil(t, d.Value)
		assert.Equal(t, 2.0, *d.Value)
		assert.Equal(t, "Count", d.Unit)
		assert.Nil(t, d.StatisticValues)
		assert.Equal(t, 1.0, *one(p + "users{env=prod}").Value)

		d = one(p + "lat{}")
		assert.Equal(t, stats(5, 90, 10, 30), d.StatisticValues)
		assert.Equal(t, []float64{10, 20, 30}, d.Values)
		assert.Equal(t, []float64{2, 2, 1}, d.Counts)
		assert.Equal(t, "Milliseconds", d.Unit)

		d = one(p + "size{}")
		assert.Equal(t, stats(3, 500, 100, 300), d.StatisticValues)
		assert.Equal(t, []float64{100, 300}, d.Values)
		assert.Equal(t, []float64{2, 1}, d.Counts)
		assert.Equal(t, "None", d.Unit)

		d = one(p + "req{az=use1a}")
		assert.Equal(t, stats(1, 0.5, 0.5, 0.5), d.StatisticValues)
		assert.Equal(t, []float64{0.5}, d.Values)
	}
	assert.Len(t, got, 16)
	assert.Contains(t, a.stderr.String(), "dropped lines")
	assert.Contains(t, a.stderr.String(), "lines_udp=20 lines_unixgram=20 lines_dropped=2")
}

// TestE2E_PeriodicFlushAtHighResolution: with a 1s period the agent
// publishes on its own, every period, with StorageResolution 1.
func TestE2E_PeriodicFlushAtHighResolution(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	a := startAgent(t, awsEnv(cw), "--aggregation.period=1s", "--flush.jitter=0s")
	a.send("udp", "tick:1|c")
	require.NoError(t, cw.WaitForDatums(waitCtx(t, 10*time.Second), 1), "delivered without a shutdown")
	d := cw.Datums()[0]
	assert.Equal(t, 1, d.StorageResolution)
	assert.Equal(t, d.Timestamp.Truncate(time.Second), d.Timestamp)
	assert.Equal(t, stats(1, 1, 1, 1), d.StatisticValues)
	a.send("unixgram", "tick:2|c")
	require.NoError(t, cw.WaitForDatums(waitCtx(t, 10*time.Second), 2))
	a.stop()
	assert.Equal(t, 2, len(cw.Datums()))
	assert.Empty(t, cw.Violations())
}

// TestE2E_BadInputNeverReachesCloudWatch: whatever comes in, the agent keeps
// running and CloudWatch sees only what it accepts.
func TestE2E_BadInputNeverReachesCloudWatch(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	a := startAgent(t, awsEnv(cw))
	var tags []string
	for i := range 35 {
		tags = append(tags, "k"+string(rune('A'+i))+":v")
	}
	a.send("udp",
		"nan:NaN|c", "inf:+Inf|g", "huge:1e400|ms", "big:1e200|c" /* > 2^360 */, "ctl:1|c|#a:\x01",
		"utf:\xff\xfe|c", strings.Repeat("n", 256)+":1|c", ":1|c", "x:1|q", "x:1|c|@2",
		"many:1|c|#"+strings.Join(tags, ","),
		"long:1|c|#v:"+strings.Repeat("x", 1500),
		"empty:1|c|#a:,b:ok,bare",
		"sum:1e108|c\nsum:1e108|c\nsum:1e108|c", // each in range, the sum is not
		"ok:1|c",
	)
	a.stop()
	assert.Empty(t, cw.Violations(), "nothing CloudWatch would reject was sent")
	got := series(cw.Datums())
	require.Contains(t, got, "ok{}")
	require.Len(t, got["many{}"], 0)
	var many fakecw.Datum
	for k, v := range got {
		if strings.HasPrefix(k, "many{") {
			many = v[0]
		}
	}
	assert.Len(t, many.Dimensions, 30, "the first 30 dimensions by name survive")
	require.Contains(t, got, "long{v="+strings.Repeat("x", 1024)+"}")
	require.Contains(t, got, "empty{b=ok}")
	assert.NotContains(t, got, "sum{}", "a sum beyond 2^360 is dropped, not sent")
	assert.Len(t, got, 4, "ok, many, long, empty: %v", keys(got))
	log := a.stderr.String()
	assert.Contains(t, log, `msg="dropped datums" count=1 non_finite=1 example=sum`)
	assert.Contains(t, log, "empty_name=1 name_too_long=1 bad_encoding=2 bad_value=1 non_finite=2 bad_type=1 bad_rate=1")
	assert.Contains(t, log, "bare_tag=1 empty_value=1 value_truncated=1")
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		if len(k) > 60 {
			k = k[:60] + "..."
		}
		out = append(out, k)
	}
	return out
}
