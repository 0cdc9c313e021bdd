package ingest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/ingest/line"
)

type nopFolder struct{}

func (nopFolder) Fold(*line.Sample) {}

// packed is a datagram as a client that fills 1432-byte payloads sends it:
// counter lines with three tags, like test/load's.
func packed(size int) (b []byte, lines int) {
	var s strings.Builder
	for i := 0; ; i++ {
		l := fmt.Sprintf("load.metric.%d:1|c|#tag0:value%d,tag1:value%d,tag2:value%d\n", i, i%10, i/2%10, i/3%10)
		if s.Len()+len(l) > size {
			return []byte(s.String()), i
		}
		s.WriteString(l)
	}
}

func newBenchProcessor() *processor {
	p := newProcessor(nopFolder{}, &Stats{}, NewLineDrops(nil))
	return &p
}

func BenchmarkProcessorDatagram(b *testing.B) {
	d, n := packed(1432)
	p := newBenchProcessor()
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		p.lines(d, false)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/line")
}

// BenchmarkUnixgramListener measures the whole reader path over a real
// socket: recvmmsg batches, split, parse, fold into a no-op. The sender's
// cost (one write per datagram, on the same machine) is included; a Unix
// datagram socket blocks it instead of dropping, so every datagram counts.
func BenchmarkUnixgramListener(b *testing.B) {
	for _, readers := range []int{1, 2} {
		b.Run(fmt.Sprintf("readers=%d", readers), func(b *testing.B) {
			d, n := packed(1432)
			st := &Stats{}
			l, err := ListenUnixgram(filepath.Join(b.TempDir(), "s.sock"), 0o600,
				Options{NewFolder: func() Folder { return nopFolder{} }, Stats: st, Drops: NewLineDrops(nil), ReadBuffer: 4 << 20, Readers: readers})
			require.NoError(b, err)
			c, err := net.Dial("unixgram", l.Addr())
			require.NoError(b, err)
			defer c.Close()
			b.SetBytes(int64(len(d)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(d); err != nil {
					b.Fatal(err)
				}
			}
			require.NoError(b, l.Close())
			require.Equal(b, uint64(b.N), st.Datagrams.Load())
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/line")
		})
	}
}

func BenchmarkStreamLines(b *testing.B) {
	d, n := packed(64 << 10)
	lb := &lineBuffer{buf: make([]byte, MaxLine+1)}
	lb.reset(*newBenchProcessor())
	b.SetBytes(int64(len(d)))
	b.ReportAllocs()
	for b.Loop() {
		for rest := d; len(rest) > 0; { // as reads of 4 KiB would deliver it
			k := copy(lb.free()[:min(len(lb.free()), 4096)], rest)
			lb.add(k)
			rest = rest[k:]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/line")
}

// TestHotPath_NoAllocation holds the paths the agent runs per batch and per
// stream read to zero allocations, folding into the aggregator's own
// per-reader Local (a LockedFolder) once its series exist.
func TestHotPath_NoAllocation(t *testing.T) {
	d, n := packed(1432)
	agg := aggregate.New(aggregate.Options{Period: time.Minute})

	bt, err := newBatch(true)
	require.NoError(t, err)
	defer bt.free()
	for i := range BatchSize { // a full recvmmsg batch, as the kernel leaves it
		bt.hdrs[i].len = uint32(copy(bt.bufs[i*slot:], d))
	}
	r := &reader{b: bt, proc: newProcessor(agg.NewFolder(), &Stats{}, NewLineDrops(nil))}
	r.fold(BatchSize, false)
	assert.Zero(t, testing.AllocsPerRun(100, func() { r.fold(BatchSize, false) }), "reader.fold")
	st := r.proc.stats
	assert.NotZero(t, st.Datagrams.Load())
	assert.Equal(t, uint64(n)*st.Datagrams.Load(), st.Lines.Load(), "every datagram of the batch was parsed whole")

	lb := &lineBuffer{buf: make([]byte, MaxLine+1)}
	lb.reset(newProcessor(agg.NewFolder(), &Stats{}, NewLineDrops(nil)))
	lb.add(copy(lb.free(), d))
	assert.Zero(t, testing.AllocsPerRun(100, func() { lb.add(copy(lb.free(), d)) }), "lineBuffer.add")
}
