package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_SeriesCap: past aggregation.max_series, samples of new series are
// dropped and counted while the existing series keep working.
func TestE2E_SeriesCap(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	a := startAgent(t, awsEnv(cw), "--aggregation.max_series=10")
	var b strings.Builder
	for i := range 15 {
		fmt.Fprintf(&b, "cap.%02d:1|c\n", i)
	}
	a.send("udp", b.String(), "cap.00:1|c\ncap.14:1|c")
	a.stop()
	got := series(cw.Datums())
	assert.Len(t, got, 10)
	assert.Equal(t, 2.0, got["cap.00{}"][0].StatisticValues.Sum, "an admitted series keeps counting")
	assert.NotContains(t, got, "cap.14{}")
	assert.Contains(t, a.stderr.String(), "samples_dropped=6", "5 new series refused, one of them twice")
}
