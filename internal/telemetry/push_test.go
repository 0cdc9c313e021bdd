package telemetry

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	colmetrics "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"

	"github.com/cwagentd/cwagentd/ingest"
)

// A fake OTLP/HTTP collector receives the same instruments /metrics
// serves, pushed at OTEL_METRIC_EXPORT_INTERVAL and once more at Shutdown.
func TestPush_OTLPHTTPWhenAnEndpointIsSet(t *testing.T) {
	var mu sync.Mutex
	got := map[string]int64{} // metric name -> last int sum value seen
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		assert.Equal(t, "/v1/metrics", r.URL.Path)
		assert.Equal(t, "application/x-protobuf", r.Header.Get("Content-Type"))
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		var req colmetrics.ExportMetricsServiceRequest
		require.NoError(t, proto.Unmarshal(body, &req))
		mu.Lock()
		for _, rm := range req.ResourceMetrics {
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if sum := m.GetSum(); sum != nil {
						for _, dp := range sum.DataPoints {
							got[m.Name] = dp.GetAsInt()
						}
					}
				}
			}
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&colmetrics.ExportMetricsServiceResponse{})
		w.Write(out)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_METRIC_EXPORT_INTERVAL", "50")

	var udp ingest.Stats
	udp.Lines.Add(17)
	tel, err := New(Sources{Transports: []Transport{{"udp", &udp}}}, "dev", os.Environ())
	require.NoError(t, err)
	assert.True(t, tel.Pushing)
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return got["cwagentd.received.lines"] == 17
	}, 5*time.Second, 10*time.Millisecond, "a periodic push")
	udp.Lines.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, tel.Shutdown(ctx))
	mu.Lock()
	assert.Equal(t, int64(18), got["cwagentd.received.lines"], "Shutdown pushes the last values")
	mu.Unlock()
}

func TestPush_RefusesGRPCNamingTheFix(t *testing.T) {
	_, err := New(Sources{}, "dev", []string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL=grpc"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `OTEL_EXPORTER_OTLP_PROTOCOL="grpc"`)
	assert.Contains(t, err.Error(), "set it to http/protobuf")
	tel, err := New(Sources{}, "dev", []string{"OTEL_EXPORTER_OTLP_PROTOCOL=grpc"})
	require.NoError(t, err, "no endpoint: no push, the protocol does not matter")
	assert.False(t, tel.Pushing)
}
