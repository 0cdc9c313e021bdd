package e2e

import (
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// notifySocket is a fake systemd notify socket: it yields each message the
// agent sends to $NOTIFY_SOCKET.
func notifySocket(t *testing.T) (path string, msgs <-chan string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "notify.sock")
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	ch := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			if err != nil {
				close(ch)
				return
			}
			ch <- string(buf[:n])
		}
	}()
	return path, ch
}

func nextNotify(t *testing.T, msgs <-chan string) string {
	t.Helper()
	select {
	case m := <-msgs:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no sd_notify message within 10s")
		return ""
	}
}

// metricValue scrapes the agent's /metrics and returns one sample's value
// (series exactly as exposed, labels sorted), or -1 if absent.
func metricValue(t *testing.T, admin, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + admin + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(body)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	require.NoError(t, err)
	return v
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, cond, 10*time.Second, 20*time.Millisecond, what)
}

// The daemon as systemd and a container runtime see it: READY=1 once
// listening, /metrics moving with traffic, SIGHUP with a good config
// (applied live, restart-only keys named) and a bad one (refused, the old
// config keeps running), health against a live and a stopped agent, and
// STOPPING=1 then exit 0 on SIGTERM.
func TestE2E_DaemonNotifyReloadMetricsHealth(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	notifyPath, msgs := notifySocket(t)
	file := filepath.Join(t.TempDir(), "cwagentd.yaml")
	require.NoError(t, os.WriteFile(file, []byte("aggregation:\n  max_series: 100\n"), 0o644))
	awayFromBoundary(25 * time.Second) // the series counts below are of one period
	a := startAgent(t, append(awsEnv(cw), "NOTIFY_SOCKET="+notifyPath), "--config", file)
	require.NotEmpty(t, a.Admin, "the ready line names the admin address")
	assert.Equal(t, "READY=1\nSTATUS=listening on "+a.UDP+", "+a.Socket, nextNotify(t, msgs))

	health := func(args ...string) (string, int) {
		out, errOut, code := cwagentd(t, []string{"CWAGENTD_ADMIN_LISTEN=" + a.Admin}, append([]string{"health"}, args...)...)
		return out + errOut, code
	}
	out, code := health()
	assert.Equal(t, 0, code, out)
	out, code = health("--ready")
	assert.Equal(t, 0, code, out)

	udp := `cwagentd_received_lines_total{transport="udp"}`
	assert.Equal(t, 0.0, metricValue(t, a.Admin, udp))
	a.send("udp", "a:1|c\nb:1|c\nbad line\n", "c:2|ms")
	eventually(t, "lines counted", func() bool { return metricValue(t, a.Admin, udp) == 4 })
	assert.Equal(t, 1.0, metricValue(t, a.Admin, `cwagentd_dropped_lines_total{reason="bad_type"}`)+
		metricValue(t, a.Admin, `cwagentd_dropped_lines_total{reason="no_value"}`), "the bad line, by reason")
	assert.Equal(t, 3.0, metricValue(t, a.Admin, "cwagentd_series"))
	assert.Equal(t, 1.0, metricValue(t, a.Admin, `cwagentd_build_info{goversion="`+runtime.Version()+`",version="dev"}`))

	// A good config: max_series and jitter apply live; the namespace waits
	// for a restart. (The harness sets listen.* and log.level by env, which
	// outranks the file.)
	require.NoError(t, os.WriteFile(file, []byte("aggregation:\n  max_series: 3\nflush:\n  jitter: 1s\ncloudwatch:\n  namespace: Other\n"), 0o644))
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGHUP))
	assert.Regexp(t, `^RELOADING=1\nMONOTONIC_USEC=\d+\n?$`, nextNotify(t, msgs))
	assert.Equal(t, "READY=1", nextNotify(t, msgs))
	eventually(t, "reload counted", func() bool { return metricValue(t, a.Admin, `cwagentd_reloads_total{outcome="success"}`) == 1 })
	logs := a.stderr.String()
	assert.Contains(t, logs, `msg="reload: key changed but needs a restart to take effect" key=cloudwatch.namespace running=StatsD new=Other`)
	assert.Contains(t, logs, `applied="[aggregation.max_series=3 flush.jitter=1s]" need_restart="[cloudwatch.namespace=Other]"`)
	a.send("udp", "d:1|c", "e:1|c", "a:5|c")
	eventually(t, "the lowered cap refuses new series", func() bool {
		return metricValue(t, a.Admin, `cwagentd_dropped_samples_total{reason="series_limit"}`) == 2
	})

	// A bad config: every error logged, nothing changes.
	require.NoError(t, os.WriteFile(file, []byte("aggregation:\n  max_series: -5\nflush:\n  jiter: 1s\n"), 0o644))
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGHUP))
	assert.Regexp(t, `^RELOADING=1\n`, nextNotify(t, msgs))
	assert.Equal(t, "READY=1", nextNotify(t, msgs))
	eventually(t, "failed reload counted", func() bool { return metricValue(t, a.Admin, `cwagentd_reloads_total{outcome="failure"}`) == 1 })
	logs = a.stderr.String()
	assert.Contains(t, logs, "reload failed: still running on the previous config")
	assert.Contains(t, logs, `aggregation.max_series`)
	assert.Contains(t, logs, `did you mean \"flush.jitter\"?`)
	a.send("udp", "f:1|c")
	eventually(t, "still capped at 3 and still running", func() bool {
		return metricValue(t, a.Admin, `cwagentd_dropped_samples_total{reason="series_limit"}`) == 3
	})

	a.stop()
	assert.Equal(t, "STOPPING=1", nextNotify(t, msgs))
	out, code = health()
	assert.Equal(t, 1, code, "a stopped agent is not healthy")
	assert.Contains(t, out, "is cwagentd running")

	sums := sums(cw.Datums())
	assert.Equal(t, map[string]float64{"a{}": 6, "b{}": 1, "c{}": 2}, sums, "what was folded before and after the reloads")
}
