package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_RetriesThrottlingAnd5xxWithoutLossOrDuplicates: CloudWatch answers
// Throttling, then 500, then a 413 with an empty body; the agent still
// delivers every datum exactly once before it exits.
func TestE2E_RetriesThrottlingAnd5xxWithoutLossOrDuplicates(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	cw.FailNext(2, fakecw.Throttling())
	cw.FailNext(2, fakecw.InternalError())
	cw.FailNext(1, fakecw.TooLarge())
	awayFromBoundary(15 * time.Second)
	a := startAgent(t, awsEnv(cw))
	const n = 2500 // three requests' worth
	for i := 0; i < n; i += 50 {
		var b strings.Builder
		for j := i; j < i+50; j++ {
			fmt.Fprintf(&b, "series.%04d:%d|c\n", j, j)
		}
		a.send("udp", b.String())
	}
	a.stop()

	assert.Empty(t, cw.Violations())
	outcomes := map[string]int{}
	for _, r := range cw.Requests() {
		outcomes[r.Outcome]++
	}
	assert.Equal(t, 2, outcomes["Throttling"], "%v", outcomes)
	assert.Equal(t, 2, outcomes["InternalServiceError"], "%v", outcomes)
	assert.Equal(t, 1, outcomes["RequestEntityTooLarge"], "%v", outcomes)
	got := series(cw.Datums())
	require.Len(t, got, n, "every series delivered")
	for i := range n {
		ds := got[fmt.Sprintf("series.%04d{}", i)]
		require.Len(t, ds, 1, "series %d delivered exactly once", i)
		assert.Equal(t, float64(i), ds[0].StatisticValues.Sum)
	}
	for _, r := range cw.Accepted() {
		assert.LessOrEqual(t, len(r.Datums), 1000)
	}
}

// TestE2E_ShutdownDeadlineIsKept: with CloudWatch throttling forever, the
// agent still exits 0 within shutdown_timeout and says what it could not send.
func TestE2E_ShutdownDeadlineIsKept(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	cw.SetResponder(func(*fakecw.Request) *fakecw.Fault { f := fakecw.Throttling(); return &f })
	a := startAgent(t, awsEnv(cw), "--shutdown_timeout=2s")
	a.send("udp", "lost:1|c\nlost2:1|c")
	begin := time.Now()
	a.stop()
	assert.Less(t, time.Since(begin), 10*time.Second)
	assert.Contains(t, a.stderr.String(), "shutdown deadline passed with datums undelivered")
	assert.Contains(t, a.stderr.String(), "shutdown_timeout=2")
	assert.Empty(t, cw.Accepted())
}
