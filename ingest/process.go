package ingest

import (
	"log/slog"
	"sync/atomic"

	"github.com/cwagentd/cwagentd/ingest/line"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// MaxDatagram is the largest datagram read whole; a larger Unix datagram
// loses its tail (its last, cut line is dropped as truncated).
const MaxDatagram = 64 << 10

// Options are what every listener needs.
type Options struct {
	// NewFolder gives each reader goroutine its own Folder (the
	// aggregator's NewFolder: per-reader tables, no shared lock). Stream
	// connections share Readers of them, round robin: a Folder per
	// connection would outlive it.
	NewFolder  func() Folder
	Stats      *Stats         // this transport's counts
	Drops      *drops.Counter // dropped lines, shared (NewLineDrops)
	ReadBuffer int            // SO_RCVBUF to ask for; 0 keeps the kernel's default
	// Readers is how many goroutines read a datagram socket (listen.readers);
	// 0 means 1. Each has its own processor and batch buffers; over UDP each
	// also has its own SO_REUSEPORT socket. The stream listener ignores it
	// (a goroutine per connection).
	Readers int
	Log     *slog.Logger
}

// Folder takes parsed samples; the aggregator is one. Fold must not keep s or
// any slice in it after returning.
type Folder interface {
	Fold(s *line.Sample)
}

// Stats counts what one transport received. Dropped lines are counted by
// reason in Lines.Drops, shared by every transport.
type Stats struct {
	Datagrams atomic.Uint64
	Lines     atomic.Uint64 // non-empty lines, parsed or not
	Skipped   atomic.Uint64 // events and service checks, ignored on purpose
	// KernelDrops is how many datagrams the kernel dropped because the
	// socket's receive queue was full (UDP; summed over its SO_REUSEPORT
	// sockets). Unix datagram sockets never drop: they block, or fail, the
	// sender instead, so it stays 0 there.
	KernelDrops atomic.Uint64
	Connections atomic.Uint64 // stream connections accepted
}

// Reasons a line is dropped: the parser's, plus truncated (cut by the
// kernel, or left half-written by a stream client at shutdown) and
// line_too_long (a stream line longer than MaxLine) and shutdown_unread
// (still queued when the shutdown drain ran out of DrainBudget).
var dropReasons = func() []string {
	r := make([]string, line.NumReasons+3)
	for i := range line.NumReasons {
		r[i] = i.String()
	}
	r[dropTruncated] = "truncated"
	r[dropLineTooLong] = "line_too_long"
	r[dropUnread] = "shutdown_unread"
	return r
}()

const (
	dropTruncated   = int(line.NumReasons)
	dropLineTooLong = int(line.NumReasons) + 1
	dropUnread      = int(line.NumReasons) + 2
)

// NewLineDrops returns the counter of dropped lines that listeners share.
func NewLineDrops(log *slog.Logger) *drops.Counter {
	return drops.New(log, "dropped lines", dropReasons)
}

// processor parses datagrams for one reader goroutine; its Sample is reused
// so that known series cost no allocation. The folder's lock and fold are
// resolved once, when it is made.
type processor struct {
	lock, unlock func()
	fold         func(*line.Sample)
	stats        *Stats
	drops        *drops.Counter
	sample       line.Sample
}

func newProcessor(f Folder, stats *Stats, drops *drops.Counter) processor {
	p := processor{lock: func() {}, unlock: func() {}, fold: f.Fold, stats: stats, drops: drops}
	if lf, ok := f.(LockedFolder); ok {
		p.lock, p.unlock, p.fold = lf.Lock, lf.Unlock, lf.FoldLocked
	}
	return p
}

// LockedFolder is a Folder that lets a reader take its lock once for a whole
// recvmmsg batch or stream read (the aggregator's per-reader Local is one):
// a thousand lines, one lock.
type LockedFolder interface {
	Folder
	Lock()
	Unlock()
	FoldLocked(s *line.Sample)
}

// lines folds every line of b, split at '\n', under the folder's lock;
// truncated drops the last one.
func (p *processor) lines(b []byte, truncated bool) {
	p.lock()
	n := p.parseLines(b, truncated)
	p.unlock()
	p.stats.Lines.Add(n)
}

// parseLines folds every line of b for a caller that holds the folder's
// lock, and returns how many non-empty lines b had: the caller counts them
// once per batch. truncated says b was cut short, so its last line is
// incomplete and is dropped.
func (p *processor) parseLines(b []byte, truncated bool) (lines uint64) {
	for b != nil {
		var l []byte
		l, b = line.Next(b)
		if truncated && b == nil {
			// The kernel cut the datagram: its last line, and whatever
			// followed it, is gone. Counted once, even when the cut fell
			// right after a '\n'.
			lines++
			p.drops.Add(dropTruncated, 1, nil)
			break
		}
		if len(l) == 0 {
			continue
		}
		lines++
		switch r := line.Parse(l, &p.sample); r {
		case line.OK:
			p.fold(&p.sample)
		case line.Skipped:
			p.stats.Skipped.Add(1)
		default:
			p.drops.Add(int(r), 1, l)
		}
	}
	return lines
}
