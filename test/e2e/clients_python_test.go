package e2e

import (
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_PythonStatsdClient sends the client scenario, without tags (the
// package has none), and a negative gauge through Python's statsd
// (test/clients/python/send.py, Debian's python3-statsd): over UDP with the
// package's env client (STATSD_HOST, STATSD_PORT) and with its
// UnixSocketStatsClient over the agent's Unix stream socket (listen.unix).
func TestE2E_PythonStatsdClient(t *testing.T) {
	// Debian's package is for Debian's python, not for a pyenv python3 on PATH.
	python := testenv.Tool(t, "/usr/bin/python3", "python3")
	if exec.Command(python, "-c", "import statsd").Run() != nil {
		testenv.Missing(t, "the Python module statsd is missing (Debian package python3-statsd)")
	}
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	stream := filepath.Join(t.TempDir(), "statsd-stream.sock")
	a := startAgent(t, append(awsEnv(cw), "CWAGENTD_LISTEN_UNIX="+stream))

	host, port, err := net.SplitHostPort(a.UDP)
	require.NoError(t, err)
	runSender(t, []string{"STATSD_PREFIX=py.udp", "STATSD_HOST=" + host, "STATSD_PORT=" + port},
		python, "../clients/python/send.py")
	runSender(t, []string{"STATSD_PREFIX=py.unix", "STATSD_SOCKET=" + stream}, python, "../clients/python/send.py")
	a.stop()

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	for _, p := range []string{"py.udp.", "py.unix."} {
		assertScenario(t, got, p, "{}")
		// A negative absolute gauge arrives as 0 then -5 (see send.py).
		d := got[p+"temp{}"]
		require.Len(t, d, 1, p+"temp")
		assert.Equal(t, stats(2, -5, -5, 0), d[0].StatisticValues)
	}
	assert.Len(t, got, 14)
	assert.Equal(t, scenarioLines+2, a.summary("lines_udp"))
	assert.Equal(t, scenarioLines+2, a.summary("lines_unix"))
	assert.Equal(t, 1, a.summary("connections_unix"))
	assert.Zero(t, a.summary("lines_dropped"))
}
