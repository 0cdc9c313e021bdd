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
	Folder     Folder
	Stats      *Stats         // this transport's counts
	Drops      *drops.Counter // dropped lines, shared (NewLineDrops)
	ReadBuffer int            // SO_RCVBUF to ask for; 0 keeps the kernel's default
	Log        *slog.Logger
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
}

// Reasons a line is dropped: the parser's, plus truncated.
var dropReasons = func() []string {
	r := make([]string, line.NumReasons+1)
	for i := range line.NumReasons {
		r[i] = i.String()
	}
	r[line.NumReasons] = "truncated"
	return r
}()

const dropTruncated = int(line.NumReasons)

// NewLineDrops returns the counter of dropped lines that listeners share.
func NewLineDrops(log *slog.Logger) *drops.Counter {
	return drops.New(log, "dropped lines", dropReasons)
}

// processor parses datagrams for one reader goroutine; its Sample is reused
// so that known series cost no allocation.
type processor struct {
	folder Folder
	stats  *Stats
	drops  *drops.Counter
	sample line.Sample
}

// datagram folds every line of b. truncated says the kernel cut b short, so
// its last line is incomplete and is dropped.
func (p *processor) datagram(b []byte, truncated bool) {
	p.stats.Datagrams.Add(1)
	var lines uint64
	for b != nil {
		var l []byte
		l, b = line.Next(b)
		if len(l) == 0 {
			continue
		}
		lines++
		if truncated && b == nil {
			p.drops.Add(dropTruncated, 1, nil)
			break
		}
		switch r := line.Parse(l, &p.sample); r {
		case line.OK:
			p.folder.Fold(&p.sample)
		case line.Skipped:
			p.stats.Skipped.Add(1)
		default:
			p.drops.Add(int(r), 1, l)
		}
	}
	p.stats.Lines.Add(lines)
}
