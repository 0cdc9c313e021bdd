package aggregate

import (
	"hash/maphash"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cwagentd/cwagentd/ingest/line"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// MaxAge is how old a |T timestamp may be. CloudWatch takes 14 days; two hours
// are kept back so that data delayed by retries still lands.
const MaxAge = 14*24*time.Hour - 2*time.Hour

// Why the aggregator drops a whole sample.
const (
	sampleTooOld      = iota // |T older than MaxAge
	sampleSeriesLimit        // a new series past aggregation.max_series
)

var sampleReasons = []string{"timestamp_too_old", "series_limit"}

// Options configure an Aggregator.
type Options struct {
	Period time.Duration // > 0, divides a minute
	// HighResPeriod is the period of the series Rules.HighResolution
	// names; it divides Period. 0, or no such rules: none.
	HighResPeriod time.Duration
	GaugeTTL      time.Duration // an idle gauge repeats its last value this long; 0: never
	// MaxSeries caps the live series per period; 0: no cap.
	MaxSeries int
	Rules     Rules // dimensions, units and rollups; checked by the config
	Log       *slog.Logger
	Now       func() time.Time // the clock; time.Now when nil
}

// Aggregator folds samples into the open period. Each reader folds into its
// own Local (NewFolder), so the hot path takes no shared lock; Close gathers
// the Locals' tables and merges what two readers saw of one series.
type Aggregator struct {
	opts Options

	mu       sync.Mutex // guards locals, curStart, curOp and nextOp
	locals   []*Local
	curStart int64 // unix seconds
	// curOp is the operator's dimensions of the open period, nextOp those
	// of the next one (SetMetadata changes it).
	curOp, nextOp *operatorDims
	def           *Local
	live          atomic.Int64 // len(admitted), read without the lock
	gauges        gauges
	rules         *rules
	pins          unitPins
	tick          time.Duration // the period Close ends: Period, or HighResPeriod
	gather        *gathering    // with HighResPeriod only

	// maxSeries and gaugeTTL start from Options and change on a reload.
	maxSeries atomic.Int64
	gaugeTTL  atomic.Int64 // nanoseconds

	// admitted holds the hashes of the series of the open period that
	// MaxSeries counts: a series is one however many readers fold it.
	admitMu  sync.Mutex
	admitted map[uint64]struct{}

	handedOff atomic.Int64 // unix nanos (Options.Now) Run last handed a period on; New's time at first

	// TagFixes counts tags dropped or changed on their way to dimensions,
	// once per series and period; Drops counts samples dropped whole;
	// UnitConflicts counts new series whose unit was pinned by another
	// type's (see unitPins).
	TagFixes, Drops, UnitConflicts *drops.Counter
	noteTag                        func(int)
}

// New returns an Aggregator whose first period contains Now().
func New(o Options) *Aggregator {
	if o.Now == nil {
		o.Now = time.Now
	}
	tick := o.Period
	if len(o.Rules.HighResolution) > 0 && o.HighResPeriod > 0 && o.HighResPeriod < o.Period {
		tick = o.HighResPeriod
	}
	a := &Aggregator{
		opts:     o,
		tick:     tick,
		curStart: o.Now().Truncate(tick).Unix(),
		gauges:   gauges{m: map[string]*gaugeState{}},
		rules:    compileRules(o.Rules),
		pins:     unitPins{m: map[string]unitPin{}},
		admitted: map[uint64]struct{}{},
		TagFixes: drops.New(o.Log, "dropped or changed tags", tagReasons),
		Drops:    drops.New(o.Log, "dropped samples", sampleReasons),
		UnitConflicts: drops.New(o.Log, "series given their metric's pinned unit; add an aggregation.units rule to choose one",
			unitReasons),
	}
	if tick != o.Period {
		a.gather = &gathering{periods: map[int64]*merged{}}
	}
	a.curOp = &operatorDims{dims: a.rules.operator(nil)}
	a.nextOp = a.curOp
	a.noteTag = func(r int) { a.TagFixes.Add(r, 1, nil) }
	a.SetLimits(o.MaxSeries, o.GaugeTTL)
	a.handedOff.Store(o.Now().UnixNano())
	a.def = a.NewFolder()
	return a
}

// SetLimits changes MaxSeries and GaugeTTL while the Aggregator runs (a
// config reload). A lower cap does not evict series already live in the
// open period; it refuses new ones until the count falls under it.
func (a *Aggregator) SetLimits(maxSeries int, gaugeTTL time.Duration) {
	a.maxSeries.Store(int64(maxSeries))
	a.gaugeTTL.Store(int64(gaugeTTL))
}

// SetMetadata sets the metadata dimensions (EC2, ECS) every datum carries
// besides Rules.Static: at once while nothing has been folded yet (the first
// lookup at start), else from the next period on. A static dimension wins a
// name both have. Setting the same dimensions again changes nothing.
func (a *Aggregator) SetMetadata(dims []Dimension) {
	a.mu.Lock()
	defer a.mu.Unlock()
	op := a.rules.operator(dims)
	if slices.Equal(op, a.nextOp.dims) {
		return
	}
	a.nextOp = &operatorDims{dims: op}
	for _, l := range a.locals {
		if !l.empty() {
			return
		}
	}
	a.curOp = a.nextOp
	for _, l := range a.locals {
		l.mu.Lock()
		l.op = a.curOp
		l.mu.Unlock()
	}
}

// Fold adds one sample through a Local shared by every caller that did not
// get its own: safe for concurrent use, but readers should use NewFolder.
func (a *Aggregator) Fold(s *line.Sample) { a.def.Fold(s) }

// Series returns the number of series in the open period.
func (a *Aggregator) Series() int64 { return a.live.Load() }

// admit reports whether the series of canonical key may have an entry in
// the open period: one already admitted (by any reader) may, a new one only
// below MaxSeries. Readers call it on their slow path only, once per series
// and period.
func (a *Aggregator) admit(key string) bool {
	h := maphash.String(keySeed, key)
	a.admitMu.Lock()
	defer a.admitMu.Unlock()
	if _, ok := a.admitted[h]; ok {
		return true
	}
	if limit := a.maxSeries.Load(); limit > 0 && int64(len(a.admitted)) >= limit {
		return false
	}
	a.admitted[h] = struct{}{}
	a.live.Store(int64(len(a.admitted)))
	return true
}

// resetAdmitted starts the count of a new period (keeping the set's memory).
func (a *Aggregator) resetAdmitted() {
	a.admitMu.Lock()
	clear(a.admitted)
	a.live.Store(0)
	a.admitMu.Unlock()
}
