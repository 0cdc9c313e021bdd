// Package drops counts what the agent had to drop, by reason, and says so in
// the log at a bounded rate.
//
// Every place that can lose accepted data owns one Counter. Add is cheap
// enough for the hot path (one atomic add; a clock read only while something
// is being dropped) and never blocks. A Counter never decides what to drop.
package drops

import (
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxExample bounds the example quoted in a log line (a line can be 64 KiB).
const maxExample = 200

// DefaultInterval is how often a Counter may log.
const DefaultInterval = 10 * time.Second

// Counter counts drops of one kind of thing (lines, tags, datums) by reason.
type Counter struct {
	message  string
	reasons  []string
	counts   []atomic.Uint64
	log      *slog.Logger
	interval time.Duration
	now      func() time.Time

	nextLog atomic.Int64 // unix nanos before which Add does not log
	mu      sync.Mutex   // guards logged
	logged  []uint64     // counts as of the last log line
}

// New returns a Counter over the given reasons, indexed by position, whose
// log lines read message ("dropped lines"). A nil logger discards them.
func New(log *slog.Logger, message string, reasons []string) *Counter {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Counter{
		message: message, reasons: reasons, log: log,
		counts: make([]atomic.Uint64, len(reasons)), logged: make([]uint64, len(reasons)),
		interval: DefaultInterval, now: coarseNow,
	}
}

// Add counts n drops for reason, and logs a summary if none was logged in the
// last interval. example, when not nil, names one thing dropped (a metric) and
// is copied only if this call logs.
func (c *Counter) Add(reason int, n uint64, example []byte) {
	c.counts[reason].Add(n)
	now := c.now().UnixNano()
	next := c.nextLog.Load()
	if now < next || !c.nextLog.CompareAndSwap(next, now+int64(c.interval)) {
		return
	}
	cut := len(example) > maxExample
	if cut {
		example = example[:maxExample] // never copy a 64 KiB line to quote 200 bytes of it
	}
	c.report(string(example), cut)
}

// coarse is the time, updated every 100ms by one goroutine: reading the
// clock per dropped line would cost more than the rest of Add (a flood of
// bare tags doubled the cost of a fold). It starts in init so that it never
// belongs to a testing/synctest bubble.
var coarse atomic.Int64

func init() {
	coarse.Store(time.Now().UnixNano())
	go func() {
		for now := range time.Tick(100 * time.Millisecond) {
			coarse.Store(now.UnixNano())
		}
	}()
}

func coarseNow() time.Time { return time.Unix(0, coarse.Load()) }

// Reasons names the reasons, in the order Add and Get index them.
func (c *Counter) Reasons() []string { return c.reasons }

// Get returns the total drops for reason.
func (c *Counter) Get(reason int) uint64 { return c.counts[reason].Load() }

// Total returns all drops.
func (c *Counter) Total() uint64 {
	var t uint64
	for i := range c.counts {
		t += c.counts[i].Load()
	}
	return t
}

// Snapshot returns the totals by reason name, zeros left out.
func (c *Counter) Snapshot() map[string]uint64 {
	m := map[string]uint64{}
	for i, r := range c.reasons {
		if n := c.counts[i].Load(); n > 0 {
			m[r] = n
		}
	}
	return m
}

// Flush logs whatever was dropped since the last log line; call it at exit
// so the last drops are never silent.
func (c *Counter) Flush() { c.report("", false) }

func (c *Counter) report(example string, cut bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	attrs := make([]any, 0, 2*len(c.reasons)+2)
	var total uint64
	for i, r := range c.reasons {
		n := c.counts[i].Load()
		if d := n - c.logged[i]; d > 0 {
			attrs = append(attrs, r, d)
			total += d
		}
		c.logged[i] = n
	}
	if total == 0 {
		return
	}
	if example != "" {
		if cut {
			example = strings.ToValidUTF8(example, "") + "..."
		}
		attrs = append(attrs, "example", example)
	}
	c.log.Warn(c.message, append([]any{"count", total}, attrs...)...)
}
