package telemetry

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// otlpReader returns a periodic reader pushing over OTLP/HTTP when environ
// names an endpoint, else nil. Everything else comes from the standard
// OTEL_EXPORTER_OTLP_* variables (headers, compression, timeout, TLS) and
// OTEL_METRIC_EXPORT_INTERVAL (default 60s), read by the exporter itself.
func otlpReader(environ []string) (sdkmetric.Reader, error) {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	if env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "" && env["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] == "" {
		return nil, nil
	}
	for _, k := range []string{"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := env[k]; p != "" {
			if p != "http/protobuf" {
				return nil, fmt.Errorf("%s=%q: cwagentd pushes OTLP over HTTP only; set it to http/protobuf (or unset it), or unset the OTEL_EXPORTER_OTLP_*ENDPOINT variables to turn the push off", k, p)
			}
			break
		}
	}
	exp, err := otlpmetrichttp.New(context.Background())
	if err != nil {
		return nil, fmt.Errorf("OTLP/HTTP exporter (from OTEL_EXPORTER_OTLP_*): %w", err)
	}
	return sdkmetric.NewPeriodicReader(exp), nil
}
