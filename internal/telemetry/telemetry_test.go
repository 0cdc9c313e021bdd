package telemetry

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/flush"
	"github.com/cwagentd/cwagentd/ingest"
	"github.com/cwagentd/cwagentd/internal/drops"
)

func scrape(t *testing.T, addr string) string {
	t.Helper()
	resp, err := http.Get("http://" + addr + PathMetrics)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// sample returns the value of the one sample line starting with series
// (name and labels exactly as exposed), or "" if there is none.
func sample(text, series string) string {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	return m[1]
}

func TestMetrics_MoveWithTheCounters(t *testing.T) {
	var udp, unix ingest.Stats
	lines := drops.New(nil, "dropped lines", []string{"ok", "bad_value", "bad_type"})
	fl := flush.New(&flush.Stdout{W: io.Discard}, flush.Options{MaxRequestsPerSecond: 20})
	series := int64(0)
	tel, err := New(Sources{
		Transports: []Transport{{"udp", &udp}, {"unix", &unix}},
		LineDrops:  lines, Series: func() int64 { return series }, Flusher: fl,
		WireBytes: func() uint64 { return 1234 },
	}, "v1.2.3", nil)
	require.NoError(t, err)
	srv, err := Listen("127.0.0.1:0", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	resp, err := http.Get("http://" + srv.Addr() + PathMetrics)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode, "no registry yet")
	srv.Serve(tel.Registry)

	before := scrape(t, srv.Addr())
	assert.Equal(t, "0", sample(before, `cwagentd_received_lines_total{transport="udp"}`))
	assert.Equal(t, "0", sample(before, `cwagentd_dropped_lines_total{reason="bad_type"}`), "zero reasons are exported")
	assert.Equal(t, "0", sample(before, `cwagentd_requests_total{outcome="throttled"}`))
	assert.Equal(t, "1", sample(before, `cwagentd_build_info{goversion="`+goVersion()+`",version="v1.2.3"}`))
	assert.Equal(t, "1234", sample(before, `cwagentd_sent_bytes_total`))
	assert.Equal(t, "0", sample(before, `cwagentd_reloads_total{outcome="failure"}`))
	assert.NotEmpty(t, sample(before, `process_resident_memory_bytes`), "the process collector is registered")
	assert.Empty(t, sample(before, `cwagentd_kernel_dropped_datagrams_total{transport="unix"}`), "only UDP has kernel drops")
	assert.Empty(t, sample(before, `cwagentd_dropped_lines_total{reason="ok"}`), "a parser's ok is no drop")
	assert.Equal(t, "0", sample(before, `cwagentd_retries_total{outcome="throttled"}`))
	assert.Empty(t, sample(before, `cwagentd_retries_total{outcome="delivered"}`))

	udp.Lines.Add(41)
	udp.Lines.Add(1)
	udp.KernelDrops.Add(3)
	unix.Connections.Add(2)
	lines.Add(2, 5, nil)
	series = 7
	fl.Requests[0].Add(9)
	tel.ObserveCall("delivered", 30*time.Millisecond)
	tel.ObserveCall("throttled", 2*time.Second)
	tel.Reloaded(true)

	after := scrape(t, srv.Addr())
	for series, want := range map[string]string{
		`cwagentd_received_lines_total{transport="udp"}`:           "42",
		`cwagentd_kernel_dropped_datagrams_total{transport="udp"}`: "3",
		`cwagentd_connections_total{transport="unix"}`:             "2",
		`cwagentd_dropped_lines_total{reason="bad_type"}`:          "5",
		`cwagentd_series`: "7",
		`cwagentd_requests_total{outcome="delivered"}`:                                  "9",
		`cwagentd_request_budget`:                                                       "0",
		`cwagentd_reloads_total{outcome="success"}`:                                     "1",
		`cwagentd_flush_request_duration_seconds_count{outcome="delivered"}`:            "1",
		`cwagentd_flush_request_duration_seconds_bucket{outcome="delivered",le="0.05"}`: "1",
		`cwagentd_flush_request_duration_seconds_bucket{outcome="throttled",le="1"}`:    "0",
		`cwagentd_flush_request_duration_seconds_bucket{outcome="throttled",le="2.5"}`:  "1",
	} {
		assert.Equal(t, want, sample(after, series), series)
	}
	assert.NotContains(t, after, "otel_scope", "no scope labels")
	assert.NotContains(t, after, "target_info")
}

func TestServer_HealthAndReadiness(t *testing.T) {
	srv, err := Listen("127.0.0.1:0", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	ctx := t.Context()
	addr := srv.Addr()

	require.NoError(t, Check(ctx, addr, PathHealthy))
	stalled := errors.New("no period handed to the flusher for 2m0s")
	srv.SetLiveness(func() error { return stalled })
	assert.ErrorContains(t, Check(ctx, addr, PathHealthy), "503 Service Unavailable: cwagentd is not healthy: no period handed")
	stalled = nil
	require.NoError(t, Check(ctx, addr, PathHealthy))
	err = Check(ctx, addr, PathReady)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "503 Service Unavailable: cwagentd is not ready: starting")
	srv.SetReady(true, "")
	require.NoError(t, Check(ctx, addr, PathReady))
	srv.SetReady(false, "shutting down")
	assert.ErrorContains(t, Check(ctx, addr, PathReady), "shutting down")

	_, port, _ := strings.Cut(addr, ":")
	require.NoError(t, Check(ctx, ":"+port, PathHealthy), "an unspecified host is asked on loopback")
	require.NoError(t, Check(ctx, "0.0.0.0:"+port, PathHealthy))

	require.NoError(t, srv.Close(ctx))
	err = Check(ctx, addr, PathHealthy)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "is cwagentd running")
	assert.ErrorContains(t, Check(ctx, "localhost", PathHealthy), "is not host:port")
}

func TestListen_BusyPortNamesTheKeyAndTheFix(t *testing.T) {
	first, err := Listen("127.0.0.1:0", slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer first.Close(context.Background())
	_, err = Listen(first.Addr(), slog.New(slog.DiscardHandler))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `admin.listen "`+first.Addr()+`"`)
	assert.Contains(t, err.Error(), `set admin.listen to "" to disable`)
}

func goVersion() string { return runtime.Version() }
