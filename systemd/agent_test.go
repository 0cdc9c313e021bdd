package systemd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/config"
	"github.com/cwagentd/cwagentd/internal/telemetry"
	"github.com/cwagentd/cwagentd/packaging"
)

// unitSettings reads Unit's Key=Value lines (the last wins, as in systemd
// for single-valued settings).
func unitSettings() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(unit, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			m[k] = v
		}
	}
	return m
}

// The unit and the agent it runs agree: the packaged config loads, the
// socket lands in RuntimeDirectory, the spool in StateDirectory, systemd
// waits longer than the agent's shutdown, and the agent speaks the notify
// protocol the unit asks for.
func TestUnit_MatchesTheAgent(t *testing.T) {
	u := unitSettings()
	file := filepath.Join(t.TempDir(), "cwagentd.yaml")
	require.NoError(t, os.WriteFile(file, packaging.DefaultConfig, 0o644))
	fs := pflag.NewFlagSet("cwagentd", pflag.ContinueOnError)
	config.Flags(fs)
	require.NoError(t, fs.Parse([]string{"--config", file}))
	cfg, err := config.Load(fs, []string{"RUNTIME_DIRECTORY=/run/" + u["RuntimeDirectory"]})
	require.NoError(t, err, "the packaged config loads as systemd runs it")

	assert.Equal(t, Name, u["RuntimeDirectory"])
	assert.Equal(t, "/run/"+u["RuntimeDirectory"]+"/statsd.sock", cfg.Listen.Unixgram, "the socket is in RuntimeDirectory")
	assert.True(t, strings.HasPrefix(cfg.Flush.SpoolDir, "/var/lib/"+u["StateDirectory"]+"/"),
		"the spool %s is under StateDirectory=%s, the only persistent place the sandbox lets it write", cfg.Flush.SpoolDir, u["StateDirectory"])

	stop, err := time.ParseDuration(u["TimeoutStopSec"])
	require.NoError(t, err)
	assert.Greater(t, stop, cfg.ShutdownTimeout+telemetry.FinalPushTimeout, "systemd must not kill the final flush")

	assert.Equal(t, "notify", u["Type"], "the agent sends READY=1 once bound")
	assert.Contains(t, u["ExecReload"], "-HUP $MAINPID", "the agent reloads on SIGHUP")
	watchdog, err := time.ParseDuration(u["WatchdogSec"])
	require.NoError(t, err, "the agent pings WATCHDOG=1 while live")
	assert.GreaterOrEqual(t, watchdog, 3*time.Second, "it pings at a third of the interval")
}
