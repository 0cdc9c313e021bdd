package e2e

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

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
