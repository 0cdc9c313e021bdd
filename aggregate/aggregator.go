package aggregate

import (
	"log/slog"
	"sync"
	"time"

	"github.com/cwagentd/cwagentd/ingest/line"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// MaxAge is how old a |T timestamp may be. CloudWatch takes 14 days; two hours
// are kept back so that data delayed by retries still lands.
const MaxAge = 14*24*time.Hour - 2*time.Hour

// Why the aggregator drops a whole sample.
const (
	sampleTooOld = iota
	numSampleReasons
)

// Options configure an Aggregator.
type Options struct {
	Period   time.Duration // > 0, divides a minute
	GaugeTTL time.Duration // an idle gauge repeats its last value this long; 0: never
	// MaxSeries caps the live series per period; 0: no cap.
	MaxSeries int
	Log       *slog.Logger
	Now       func() time.Time // the clock; time.Now when nil
}

// Aggregator folds samples into the open period's table. Fold is safe for
// concurrent use; Close is called by one goroutine (Run).
type Aggregator struct {
	opts Options

	mu     sync.Mutex
	cur    *table
	past   map[int64]*table // periods named by |T timestamps, closed with cur
	gauges map[string]*gaugeState
	key    []byte // scratch, under mu
	tags   []tag  // scratch, under mu

	// TagFixes counts tags dropped or changed on their way to dimensions;
	// Drops counts samples dropped whole.
	TagFixes, Drops *drops.Counter
	noteTag         func(int)
}

// New returns an Aggregator whose first period contains Now().
func New(o Options) *Aggregator {
	if o.Now == nil {
		o.Now = time.Now
	}
	a := &Aggregator{
		opts:     o,
		past:     map[int64]*table{},
		gauges:   map[string]*gaugeState{},
		TagFixes: drops.New(o.Log, "dropped or changed tags", tagReasons),
		Drops:    drops.New(o.Log, "dropped samples", []string{"timestamp_too_old"}),
	}
	a.noteTag = func(r int) { a.TagFixes.Add(r, 1, nil) }
	a.cur = newTable(o.Now().Truncate(o.Period))
	return a
}

// Fold adds one parsed sample to its series.
func (a *Aggregator) Fold(s *line.Sample) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.cur
	if s.Timestamp != 0 && s.Timestamp < t.start {
		if t.start-s.Timestamp > int64(MaxAge/time.Second) {
			a.Drops.Add(sampleTooOld, 1, s.Name)
			return
		}
		t = a.pastTable(s.Timestamp)
	}
	a.tags = dimensions(s.Tags, a.tags, a.noteTag)
	a.key = seriesKey(a.key[:0], s, a.tags)
	sr, ok := t.series[string(a.key)]
	if !ok {
		sr = a.newSeries(t, s)
	}
	sr.fold(s, 1/s.Rate)
	if sr.gauge != nil {
		sr.gauge.touched = max(sr.gauge.touched, t.start)
	}
}

func (a *Aggregator) pastTable(ts int64) *table {
	start := ts - ts%int64(a.opts.Period/time.Second)
	t, ok := a.past[start]
	if !ok {
		t = newTable(time.Unix(start, 0))
		a.past[start] = t
	}
	return t
}

// newSeries copies the name and dimensions out of the line: the only
// allocation a sample causes, once per series per period.
func (a *Aggregator) newSeries(t *table, s *line.Sample) *series {
	key := string(a.key)
	sr := &series{typ: s.Type}
	if s.Type == line.Gauge {
		if g, ok := a.gauges[key]; ok {
			sr.gauge = g
		} else {
			sr.gauge = &gaugeState{name: string(s.Name), dims: copyDims(a.tags)}
			a.gauges[key] = sr.gauge
		}
		sr.name, sr.dims = sr.gauge.name, sr.gauge.dims
	} else {
		sr.name, sr.dims = string(s.Name), copyDims(a.tags)
	}
	t.series[key] = sr
	return sr
}

func copyDims(tags []tag) []Dimension {
	if len(tags) == 0 {
		return nil
	}
	d := make([]Dimension, len(tags))
	for i, t := range tags {
		d[i] = Dimension{Name: string(t.name), Value: string(t.value)}
	}
	return d
}

// seriesKey is name, type and sorted dimensions joined by NUL, which the
// parser guarantees none of them contains.
func seriesKey(b []byte, s *line.Sample, tags []tag) []byte {
	b = append(b, s.Name...)
	b = append(b, 0, byte(s.Type))
	for _, t := range tags {
		b = append(b, 0)
		b = append(b, t.name...)
		b = append(b, 0)
		b = append(b, t.value...)
	}
	return b
}
