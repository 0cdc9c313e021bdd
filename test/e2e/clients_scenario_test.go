package e2e

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// The client scenario: what the cactus, hot-shots and python-statsd tests send
// through each client's own API, in this order, under a per-transport prefix:
//
//	orders   counter +1, +4, -2 (tagged env:prod,svc:checkout where the client has tags)
//	hits     counter +1, ten times at rate 0.5
//	latency  timer 10, 20, ... 100 ms at rate 0.5 (tagged)
//	render   timer 12.5 ms
//	queue    gauge 7, then the deltas +5 and -2
//	users    set alice, bob, alice
//
// Each client decides by itself whether a sampled call is sent. Its coin is
// fixed (0.25, 0.75, 0.25, ... against rate 0.5, through the client's own
// sampling seam), so it sends the 1st, 3rd, ... call of each run of ten and
// drops the others: 20 coin flips, 10 of the 30 calls dropped by the client,
// 20 lines on the wire, and every expectation below exact. A client that sent
// every sampled call would double hits and latency.
const (
	scenarioLines = 20
	scenarioFlips = 20
)

// assertScenario checks the six series of the scenario under prefix; tags is
// "{env=prod,svc=checkout}" for a client that sent the tags, else "{}".
func assertScenario(t *testing.T, got map[string][]fakecw.Datum, prefix, tags string) {
	t.Helper()
	one := func(key string) fakecw.Datum {
		t.Helper()
		require.Len(t, got[key], 1, "%s in %v", key, keys(got))
		return got[key][0]
	}
	d := one(prefix + "orders" + tags)
	assert.Equal(t, stats(3, 3, -2, 4), d.StatisticValues, "orders")
	assert.Equal(t, "Count", d.Unit)

	d = one(prefix + "hits{}")
	assert.Equal(t, stats(10, 10, 1, 1), d.StatisticValues, "hits: 5 sent at @0.5 weigh 10")
	assert.Equal(t, "Count", d.Unit)

	d = one(prefix + "latency" + tags)
	assert.Equal(t, stats(10, 500, 10, 90), d.StatisticValues, "latency: 10,30,50,70,90 sent at @0.5")
	assert.Equal(t, []float64{10, 30, 50, 70, 90}, d.Values)
	assert.Equal(t, []float64{2, 2, 2, 2, 2}, d.Counts)
	assert.Equal(t, "Milliseconds", d.Unit)

	d = one(prefix + "render{}")
	assert.Equal(t, stats(1, 12.5, 12.5, 12.5), d.StatisticValues, "render")
	assert.Equal(t, []float64{12.5}, d.Values)
	assert.Equal(t, "Milliseconds", d.Unit)

	d = one(prefix + "queue{}")
	assert.Equal(t, stats(3, 29, 7, 12), d.StatisticValues, "queue took 7, 12, 10")
	assert.Equal(t, "None", d.Unit)

	d = one(prefix + "users{}")
	require.NotNil(t, d.Value, "users")
	assert.Equal(t, 2.0, *d.Value)
	assert.Equal(t, "Count", d.Unit)
}

// coin is the fixed coin of the scenario: 0.25 on odd flips, 0.75 on even ones.
func coin(flip int) float32 {
	if flip%2 == 1 {
		return 0.25
	}
	return 0.75
}

// runSender runs a client script of test/clients with env and nothing else
// of this process's environment but PATH and HOME (no stray DD_* or STATSD_*),
// and fails t with its output if it does not exit 0 within 30s.
func runSender(t *testing.T, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %v with %v:\n%s", name, args, env, out)
}

// summary reads a count from the agent's exit summary line (lines_udp=20 ...).
func (a *agent) summary(key string) int {
	a.t.Helper()
	m := regexp.MustCompile(`\b` + key + `=(\d+)`).FindStringSubmatch(a.stderr.String())
	require.NotNil(a.t, m, "%s in the exit summary:\n%s", key, a.stderr.String())
	n, err := strconv.Atoi(m[1])
	require.NoError(a.t, err)
	return n
}
