package telemetry

import (
	"context"
	"errors"
	"slices"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/cwagentd/cwagentd/internal/drops"
)

// registrar creates observable instruments (one per name, however many
// attribute sets) and one callback that reads every source at collection.
type registrar struct {
	m        metric.Meter
	counters map[string]metric.Int64ObservableCounter
	gauges   map[string]metric.Float64ObservableGauge
	reads    []func(metric.Observer)
	insts    []metric.Observable
	err      error
}

func newRegistrar(m metric.Meter) *registrar {
	return &registrar{m: m, counters: map[string]metric.Int64ObservableCounter{}, gauges: map[string]metric.Float64ObservableGauge{}}
}

func (r *registrar) counter(name, help string, read func() uint64, attrs ...attribute.KeyValue) {
	c, ok := r.counters[name]
	if !ok {
		var err error
		if c, err = r.m.Int64ObservableCounter(name, metric.WithDescription(help)); err != nil {
			r.err = errors.Join(r.err, err)
			return
		}
		r.counters[name] = c
		r.insts = append(r.insts, c)
	}
	opt := metric.WithAttributes(attrs...)
	r.reads = append(r.reads, func(o metric.Observer) { o.ObserveInt64(c, int64(read()), opt) })
}

func (r *registrar) gauge(name, help string, read func() float64, attrs ...attribute.KeyValue) {
	g, ok := r.gauges[name]
	if !ok {
		var err error
		if g, err = r.m.Float64ObservableGauge(name, metric.WithDescription(help)); err != nil {
			r.err = errors.Join(r.err, err)
			return
		}
		r.gauges[name] = g
		r.insts = append(r.insts, g)
	}
	opt := metric.WithAttributes(attrs...)
	r.reads = append(r.reads, func(o metric.Observer) { o.ObserveFloat64(g, read(), opt) })
}

// reasons exports a drops.Counter with one series per reason (labelled
// label), zeros included so that rate() over a reason works from the first
// scrape; the reasons in never are indexes that are not drops (a parser's
// "ok") and are left out.
func (r *registrar) reasons(name, help string, c *drops.Counter, label string, never ...string) {
	if c == nil {
		return
	}
	for i, reason := range c.Reasons() {
		if !slices.Contains(never, reason) {
			r.counter(name, help, func() uint64 { return c.Get(i) }, attribute.String(label, reason))
		}
	}
}

func (r *registrar) done() error {
	if r.err != nil {
		return r.err
	}
	reads := r.reads
	_, err := r.m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		for _, read := range reads {
			read(o)
		}
		return nil
	}, r.insts...)
	return err
}
