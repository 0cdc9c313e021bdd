package e2e

// Delivery policy (issue 4): the agent never floods CloudWatch and never loses
// data. Every test here drives the real binary through the real SDK against
// fakecw and asserts outcomes (what arrived, how often it was refused); the
// only timing assertions are the explicit bounds of the issue.

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_ThrottleEverythingTenSeconds: CloudWatch throttles every request
// for the first 10 s while an app sends 200 lines/s. Nothing is lost or
// duplicated, the agent backs off instead of hammering (<= 48 throttled
// calls in those 10 s) and it recovers within 12 s once CloudWatch does.
func TestE2E_ThrottleEverythingTenSeconds(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	var throttleUntil atomic.Int64 // UnixNano; "forever" until the agent is ready
	throttleUntil.Store(math.MaxInt64)
	cw.SetResponder(func(r *fakecw.Request) *fakecw.Fault {
		if r.Received.UnixNano() < throttleUntil.Load() {
			f := fakecw.Throttling()
			return &f
		}
		return nil
	})

	a := startAgent(t, awsEnv(cw), "--aggregation.period=1s", "--flush.jitter=500ms")
	ready := time.Now()
	end := ready.Add(10 * time.Second)
	throttleUntil.Store(end.UnixNano())

	// 5 series, one line each per datagram, a datagram every ~25 ms: ~200
	// lines/s for 13 s.
	const nSeries = 5
	names := make([]string, nSeries)
	for i := range names {
		names[i] = fmt.Sprintf("throttled.s%d", i)
	}
	payload := counterDatagrams(names, func(int) int { return 1 }, nSeries)[0]
	sent := make([]int, nSeries)
	u := newUDPSender(t, a.UDP)
	for time.Since(ready) < 13*time.Second {
		if u.send(payload) {
			for i := range sent {
				sent[i]++
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	u.check(t)

	// Let the agent recover on its own before SIGTERM, so that the first
	// accepted request measures backoff, not the shutdown drain.
	recoverErr := cw.WaitForDatums(waitCtx(t, time.Until(end.Add(12*time.Second))), 1)
	sigterm := time.Now()
	a.stop()

	assert.Empty(t, cw.Violations())
	reqs := cw.Requests()
	var throttled, duringThrottle int
	perSecond := make([]int, 10) // throttled calls in each second of the window
	for _, r := range reqs {
		if r.Received.Before(end) {
			duringThrottle++
			if r.Outcome == "Throttling" {
				throttled++
				if s := int(r.Received.Sub(ready) / time.Second); s >= 0 && s < len(perSecond) {
					perSecond[s]++
				}
			}
		}
	}
	accepted := cw.Accepted()
	t.Logf("%d requests in all %v; %d answered Throttling during the 10 s window (%d arrived in it), per second %v; %d accepted",
		len(reqs), outcomeCounts(reqs), throttled, duringThrottle, perSecond, len(accepted))
	assert.Equal(t, duringThrottle, throttled, "every request in the window is throttled")
	assert.LessOrEqual(t, throttled, 48, "throttled calls in 10 s of total throttling")

	require.NotEmpty(t, accepted, "nothing was ever accepted")
	first := accepted[0].Received
	for _, r := range accepted {
		if r.Received.Before(first) {
			first = r.Received
		}
	}
	gap := first.Sub(end)
	t.Logf("first accepted request %s after throttling ended (SIGTERM at +%s)", gap.Round(time.Millisecond), sigterm.Sub(end).Round(time.Millisecond))
	assert.NoError(t, recoverErr, "no request accepted within 12 s after throttling ended")
	assert.LessOrEqual(t, gap, 12*time.Second, "recovery after throttling ended")

	// When the data held back by the throttling was through: with recovery
	// before SIGTERM this is the backlog draining at the budget's pace.
	var backlogDone time.Time
	for _, r := range accepted {
		if len(r.Datums) > 0 && r.Datums[0].Timestamp.Before(end) && r.Received.After(backlogDone) {
			backlogDone = r.Received
		}
	}
	t.Logf("data from the throttled window fully accepted %s after throttling ended", backlogDone.Sub(end).Round(time.Millisecond))

	datums := cw.Datums()
	got := sums(datums)
	var total int
	for i, name := range names {
		total += sent[i]
		assert.Equal(t, float64(sent[i]), got[name+"{}"], "%s: lines sent vs Sum delivered", name)
	}
	t.Logf("%d lines sent, %d datums delivered", total, len(datums))
	assert.Len(t, got, nSeries, "only the series sent: %v", got)
	assert.Empty(t, duplicates(datums), "a (series, period) delivered more than once")
}

// TestE2E_PoisonedDatumIsIsolated: CloudWatch refuses one datum among 2500.
// The agent bisects its request down to that datum, drops it with a log line
// naming the metric, and delivers the other 2499 exactly once.
func TestE2E_PoisonedDatumIsIsolated(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	const n, bad = 2500, 1234
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("isolate.%04d", i)
	}
	badName := names[bad]
	cw.RejectDatum(func(d fakecw.Datum) bool { return d.MetricName == badName })

	awayFromBoundary(15 * time.Second)
	a := startAgent(t, awsEnv(cw))
	a.send("udp", counterDatagrams(names, func(i int) int { return i + 1 }, 50)...)
	a.stop()

	assert.Empty(t, cw.Violations())
	reqs := cw.Requests()
	var carriedBad int
	for _, r := range reqs {
		if slices.ContainsFunc(r.Datums, func(d fakecw.Datum) bool { return d.MetricName == badName }) {
			carriedBad++
			assert.Equal(t, "InvalidParameterValue", r.Outcome, "a request holding the bad datum was not refused")
		}
	}
	bound := 3 + 2*int(math.Ceil(math.Log2(1000))) + 2
	t.Logf("%d requests %v (bound %d); %d carried the bad datum", len(reqs), outcomeCounts(reqs), bound, carriedBad)
	assert.LessOrEqual(t, len(reqs), bound, "requests to isolate one bad datum among 2500")

	got := series(cw.Datums())
	assert.NotContains(t, got, badName+"{}", "the bad datum was accepted")
	assert.Len(t, got, n-1, "every good series delivered")
	for i, name := range names {
		if i == bad {
			continue
		}
		ds := got[name+"{}"]
		if !assert.Len(t, ds, 1, "%s delivered exactly once", name) {
			continue
		}
		require.NotNil(t, ds[0].StatisticValues, name)
		assert.Equal(t, float64(i+1), ds[0].StatisticValues.Sum, name)
		assert.Equal(t, 1.0, ds[0].StatisticValues.SampleCount, name)
	}

	// The agent must name the metric itself, not only quote CloudWatch's
	// error message (which names it too): look before the error attribute.
	named := logLinesWith(a.stderr.String(), badName)
	t.Logf("log lines naming %s:\n%s", badName, strings.Join(named, "\n"))
	assert.True(t, slices.ContainsFunc(named, func(l string) bool {
		own := strings.ToLower(beforeErrorAttr(l))
		return strings.Contains(own, badName) &&
			(strings.Contains(own, "reject") || strings.Contains(own, "drop") || strings.Contains(own, "invalid"))
	}), "the agent's log names the refused metric %s (outside the quoted error)", badName)
}

// TestE2E_413And500sAndResetsLoseNothing: a 413, two throttles, three 500s
// and three connection resets, interleaved; every datum still arrives
// exactly once.
func TestE2E_413And500sAndResetsLoseNothing(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	for _, f := range []fakecw.Fault{
		fakecw.Throttling(), fakecw.ConnectionReset(), fakecw.InternalError(), fakecw.TooLarge(),
		fakecw.ConnectionReset(), fakecw.Throttling(), fakecw.InternalError(), fakecw.ConnectionReset(),
		fakecw.InternalError(),
	} {
		cw.FailNext(1, f)
	}
	const n = 2500
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("faulty.%04d", i)
	}

	awayFromBoundary(15 * time.Second)
	a := startAgent(t, awsEnv(cw))
	a.send("udp", counterDatagrams(names, func(i int) int { return i + 1 }, 50)...)
	a.stop()

	assert.Empty(t, cw.Violations())
	reqs := cw.Requests()
	outcomes := outcomeCounts(reqs)
	t.Logf("%d requests %v", len(reqs), outcomes)
	assert.Equal(t, 2, outcomes["Throttling"], "%v", outcomes)
	assert.Equal(t, 3, outcomes[fakecw.OutcomeConnectionReset], "%v", outcomes)
	assert.Equal(t, 3, outcomes["InternalServiceError"], "%v", outcomes)
	assert.Equal(t, 1, outcomes["RequestEntityTooLarge"], "%v", outcomes)
	for _, r := range cw.Accepted() {
		assert.LessOrEqual(t, len(r.Datums), 1000)
	}

	got := series(cw.Datums())
	assert.Len(t, got, n, "every series delivered")
	for i, name := range names {
		ds := got[name+"{}"]
		if assert.Len(t, ds, 1, "%s delivered exactly once", name) {
			require.NotNil(t, ds[0].StatisticValues, name)
			assert.Equal(t, float64(i+1), ds[0].StatisticValues.Sum, name)
		}
	}
}

// TestE2E_FleetOf20SharesABudget: 20 agents on one host share an account
// quota of 5 requests/s (burst 5). Each flushes every 5 s at its own random
// moment of the 4.9 s jitter window, so the fleet's 4 requests/s on average
// fit the quota: few throttles, and nothing lost. Agents that flushed in
// lockstep would see 15 of every 20 requests throttled.
func TestE2E_FleetOf20SharesABudget(t *testing.T) {
	bin := plainBinary(t)
	cw := fakecw.New()
	defer cw.Close()
	cw.SetRateLimit(5, 5)

	const (
		nAgents = 20
		period  = 5 * time.Second
		jitter  = 4900 * time.Millisecond
	)
	fleet := make([]*agent, nAgents)
	for i := range fleet {
		fleet[i] = startAgentBinary(t, bin, awsEnv(cw), "--aggregation.period=5s", "--flush.jitter=4900ms",
			"--cloudwatch.max_requests_per_second=5", "--log.level=info")
	}
	senders := make([]*udpSender, nAgents)
	names := make([]string, nAgents)
	for i, a := range fleet {
		senders[i] = newUDPSender(t, a.UDP)
		names[i] = fmt.Sprintf("fleet.agent%02d", i)
	}

	sent := make([]int, nAgents)
	start := time.Now()
	for tick := range 16 {
		for i, u := range senders {
			if u.send(names[i] + ":1|c") {
				sent[i]++
			}
		}
		time.Sleep(time.Until(start.Add(time.Duration(tick+1) * time.Second)))
	}
	sigterm := time.Now()
	for _, a := range fleet {
		require.NoError(t, a.cmd.Process.Signal(syscall.SIGTERM))
	}
	for _, a := range fleet {
		a.waitExit(t, 30*time.Second)
	}
	for _, u := range senders {
		u.check(t)
	}

	assert.Empty(t, cw.Violations())
	datums := cw.Datums()
	got := sums(datums)
	for i, name := range names {
		assert.Equal(t, float64(sent[i]), got[name+"{}"], "%s: lines sent vs Sum delivered", name)
	}
	assert.Empty(t, duplicates(datums), "a (series, period) delivered more than once")

	// Throttling, before SIGTERM (steady state) and after (every agent
	// drains at once: not the jitter's business).
	reqs := cw.Requests()
	var steady, steadyThrottled, drain, drainThrottled int
	for _, r := range reqs {
		throttled := r.Outcome == "Throttling"
		if r.Received.Before(sigterm) {
			steady++
			if throttled {
				steadyThrottled++
			}
		} else {
			drain++
			if throttled {
				drainThrottled++
			}
		}
	}
	share := float64(steadyThrottled) / float64(max(steady, 1))
	t.Logf("%d requests %v; before SIGTERM %d, %d throttled (%.1f%%); shutdown drain %d, %d throttled",
		len(reqs), outcomeCounts(reqs), steady, steadyThrottled, 100*share, drain, drainThrottled)
	assert.Less(t, share, 0.25, "throttled share of the fleet's requests before SIGTERM")

	// Spread: the first attempt of each agent for each period, as an offset
	// into its flush window [period end, period end + jitter). Only windows
	// that closed before SIGTERM count.
	type key struct {
		agent string
		ts    time.Time
	}
	firstSeen := map[key]time.Time{}
	for _, r := range reqs {
		if len(r.Datums) == 0 || !r.Received.Before(sigterm) {
			continue
		}
		k := key{r.Datums[0].MetricName, r.Datums[0].Timestamp}
		if f, ok := firstSeen[k]; !ok || r.Received.Before(f) {
			firstSeen[k] = r.Received
		}
	}
	windows := map[time.Time][]time.Duration{}
	for k, at := range firstSeen {
		windowStart := k.ts.Add(period)
		if windowStart.Add(jitter).Before(sigterm) {
			windows[k.ts] = append(windows[k.ts], at.Sub(windowStart))
		}
	}
	var starts []time.Time
	for ts := range windows {
		starts = append(starts, ts)
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	var full int
	for _, ts := range starts {
		offs := windows[ts]
		slices.Sort(offs)
		buckets := map[time.Duration]bool{}
		for _, o := range offs {
			buckets[o.Truncate(500*time.Millisecond)] = true
		}
		span := offs[len(offs)-1] - offs[0]
		t.Logf("period %s: %d agents' first attempts from +%s to +%s after the period closed (span %s, %d distinct 500ms buckets of 10)",
			ts.Format(time.TimeOnly), len(offs), offs[0].Round(time.Millisecond), offs[len(offs)-1].Round(time.Millisecond),
			span.Round(time.Millisecond), len(buckets))
		if len(offs) < nAgents/2 {
			continue // a period only some agents had data for
		}
		full++
		assert.Greater(t, span, 2*time.Second, "period %s: the fleet flushed within %s: no spread", ts.Format(time.TimeOnly), span)
	}
	assert.GreaterOrEqual(t, full, 2, "complete flush windows before SIGTERM")
}
