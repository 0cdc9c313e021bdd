package telemetry

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/attribute"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/cwagentd/cwagentd/flush"
	"github.com/cwagentd/cwagentd/flush/spool"
	"github.com/cwagentd/cwagentd/ingest"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// Transport is one listener's counters, named udp, unixgram or unix.
type Transport struct {
	Name  string
	Stats *ingest.Stats
}

// Sources are the counters the pipeline keeps; Telemetry only reads them.
// A nil field is left out.
type Sources struct {
	Transports  []Transport
	LineDrops   *drops.Counter // lines dropped by ingest, by reason
	TagFixes    *drops.Counter // tags dropped or changed, by reason
	SampleDrops *drops.Counter // samples dropped by aggregation, by reason
	Units       *drops.Counter // new series given their metric's pinned unit
	Series      func() int64   // live series in the open period
	Flusher     *flush.Flusher
	WireBytes   func() uint64 // bytes sent on the wire (after gzip)
	Spool       *spool.Spool  // nil without flush.spool_dir
}

// FinalPushTimeout bounds the last OTLP push at shutdown, after the final
// flush: the service manager's stop timeout must cover shutdown_timeout
// plus this.
const FinalPushTimeout = 2 * time.Second

// Telemetry holds the instruments and the registry /metrics serves.
type Telemetry struct {
	Registry *prometheus.Registry
	Pushing  bool // an OTLP push is configured
	provider *sdkmetric.MeterProvider

	callSeconds metric.Float64Histogram
	outcomes    map[string]metric.MeasurementOption
	reloads     [2]atomic.Uint64 // failed, succeeded
	started     time.Time
}

// New registers every instrument over src; version labels
// cwagentd_build_info. When environ sets an OTLP endpoint
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_METRICS_ENDPOINT), the
// same instruments are also pushed there over OTLP/HTTP (see push.go).
func New(src Sources, version string, environ []string) (*Telemetry, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
	}
	t := &Telemetry{Registry: reg, started: time.Now(), outcomes: map[string]metric.MeasurementOption{}}
	readers := []sdkmetric.Option{sdkmetric.WithReader(exp)}
	if push, err := otlpReader(environ); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	} else if push != nil {
		readers = append(readers, sdkmetric.WithReader(push))
		t.Pushing = true
	}
	t.provider = sdkmetric.NewMeterProvider(append(readers,
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "cwagentd.flush.request.duration"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
				Boundaries: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}}})))...)
	if err := t.register(t.provider.Meter("github.com/cwagentd/cwagentd"), src, version); err != nil {
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	return t, nil
}

// ObserveCall records one PutMetricData call: flush.Options.ObserveCall.
func (t *Telemetry) ObserveCall(outcome string, d time.Duration) {
	// Every outcome is in the map (register fills it from flush.Outcomes).
	t.callSeconds.Record(context.Background(), d.Seconds(), t.outcomes[outcome])
}

// Reloaded counts one SIGHUP reload by outcome.
func (t *Telemetry) Reloaded(ok bool) {
	if ok {
		t.reloads[1].Add(1)
	} else {
		t.reloads[0].Add(1)
	}
}

// Shutdown releases the meter provider; with an OTLP push, it first sends
// the last values (bounded by ctx).
func (t *Telemetry) Shutdown(ctx context.Context) error { return t.provider.Shutdown(ctx) }

func (t *Telemetry) register(m metric.Meter, src Sources, version string) error {
	var err error
	t.callSeconds, err = m.Float64Histogram("cwagentd.flush.request.duration", metric.WithUnit("s"),
		metric.WithDescription("PutMetricData call duration by outcome (delivered, retry, throttled, invalid, too_large, failed)"))
	if err != nil {
		return err
	}
	for _, o := range flush.Outcomes() {
		t.outcomes[o] = metric.WithAttributeSet(attribute.NewSet(attribute.String("outcome", o)))
	}

	r := newRegistrar(m)
	for _, tr := range src.Transports {
		st, by := tr.Stats, attribute.String("transport", tr.Name)
		r.counter("cwagentd.received.datagrams", "datagrams (or stream reads) received, by transport", st.Datagrams.Load, by)
		r.counter("cwagentd.received.lines", "non-empty lines received, parsed or not, by transport", st.Lines.Load, by)
		r.counter("cwagentd.skipped.lines", "DogStatsD events and service checks ignored on purpose, by transport", st.Skipped.Load, by)
		switch tr.Name {
		case "udp":
			r.counter("cwagentd.kernel.dropped.datagrams", "datagrams the kernel dropped because the socket's receive queue was full (SO_RXQ_OVFL)", st.KernelDrops.Load, by)
		case "unix":
			r.counter("cwagentd.connections", "stream connections accepted", st.Connections.Load, by)
		}
	}
	r.reasons("cwagentd.dropped.lines", "lines dropped by ingest, by reason", src.LineDrops, "reason", "ok", "skipped")
	r.reasons("cwagentd.dropped.samples", "parsed samples dropped by aggregation, by reason", src.SampleDrops, "reason")
	r.reasons("cwagentd.tag.fixes", "tags dropped or changed on their way to dimensions (once per series and period), by reason", src.TagFixes, "reason")
	r.reasons("cwagentd.unit.conflicts", "new series that took their metric's pinned unit instead of their type's (see aggregation.units)", src.Units, "reason")
	if src.Series != nil {
		r.gauge("cwagentd.series", "live series in the open period (the cap is aggregation.max_series)", func() float64 { return float64(src.Series()) })
	}
	if f := src.Flusher; f != nil {
		for i, o := range flush.Outcomes() {
			r.counter("cwagentd.requests", "PutMetricData calls by outcome", f.Requests[i].Load, attribute.String("outcome", o))
		}
		r.counter("cwagentd.delivered.datums", "datums CloudWatch accepted", f.Delivered.Load)
		r.reasons("cwagentd.dropped.datums", "datums dropped after aggregation, by reason", f.Drops, "reason")
		r.reasons("cwagentd.retries", "failed calls that will be retried, by outcome", f.Retries, "outcome", "delivered")
		r.counter("cwagentd.encoded.bytes", "encoded (uncompressed) bytes of every call attempted", f.BytesAttempted.Load)
		r.gauge("cwagentd.queue.requests", "requests waiting to be sent (not in flight)", func() float64 { return float64(f.QueueDepth()) })
		r.gauge("cwagentd.queue.bytes", "encoded bytes of the requests waiting (bounded by flush.max_pending_bytes)", func() float64 { return float64(f.QueueBytes()) })
		r.gauge("cwagentd.inflight.requests", "PutMetricData calls under way", func() float64 { return float64(f.InFlight()) })
		r.gauge("cwagentd.request.budget", "current client-side request budget, calls per second (AIMD; 0: none)", f.Budget)
		r.counter("cwagentd.spool.written.datums", "datums written ahead to the spool", f.Spooled.Load)
		r.counter("cwagentd.spool.replayed.datums", "datums replayed from the spool at start (left by an earlier run)", f.Replayed.Load)
		r.counter("cwagentd.spool.kept.datums", "datums left in the spool at the shutdown deadline, for the next start", f.KeptInSpool.Load)
		r.reasons("cwagentd.spool.errors", "spool operations that failed, by reason (the data stays in memory)", f.SpoolErrors, "reason")
	}
	if sp := src.Spool; sp != nil {
		stat := func(read func(spool.Stats) float64) func() float64 { return func() float64 { return read(sp.Stats()) } }
		r.gauge("cwagentd.spool.records", "live records in the spool (undelivered requests)", stat(func(s spool.Stats) float64 { return float64(s.Records) }))
		r.gauge("cwagentd.spool.bytes", "bytes of live records in the spool (bounded by flush.spool_max_bytes)", stat(func(s spool.Stats) float64 { return float64(s.Bytes) }))
		r.gauge("cwagentd.spool.disk.bytes", "bytes of the spool's segment files, live or not", stat(func(s spool.Stats) float64 { return float64(s.DiskBytes) }))
		for reason := range sp.Stats().Drops() {
			r.counter("cwagentd.spool.dropped.records", "spool records dropped, by reason: full (flush.spool_max_bytes), too_old (flush.max_age), corrupt (torn or damaged ranges skipped at start)",
				func() uint64 { return sp.Stats().Drops()[reason] }, attribute.String("reason", reason))
		}
		r.counter("cwagentd.spool.tidy.failures", "removals, directory syncs and compactions of spool segments that failed: disk use may grow past its bound; check the spool directory's permissions and filesystem",
			func() uint64 { return sp.Stats().TidyFailures })
	}
	if src.WireBytes != nil {
		r.counter("cwagentd.sent.bytes", "bytes sent to CloudWatch on the wire (gzip-compressed bodies)", src.WireBytes)
	}
	r.counter("cwagentd.reloads", "SIGHUP reloads by outcome", t.reloads[0].Load, attribute.String("outcome", "failure"))
	r.counter("cwagentd.reloads", "SIGHUP reloads by outcome", t.reloads[1].Load, attribute.String("outcome", "success"))
	r.gauge("cwagentd.build.info", "always 1; labels say the version and the Go release", func() float64 { return 1 },
		attribute.String("version", version), attribute.String("goversion", runtime.Version()))
	r.gauge("cwagentd.start.time", "when the agent started, seconds since the Unix epoch", func() float64 { return float64(t.started.UnixNano()) / 1e9 })
	return r.done()
}
