package ingest

import (
	"fmt"
	"net"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// A sender that keeps writing while the agent closes: every datagram the
// kernel accepted is either folded or counted, none destroyed silently.
func TestClose_UnixgramSenderDuringCloseLosesNothingUncounted(t *testing.T) {
	for range 5 {
		f := newFixture()
		path := filepath.Join(t.TempDir(), "s.sock")
		l, err := ListenUnixgram(path, 0o600, f.opts())
		require.NoError(t, err)
		c, err := net.Dial("unixgram", path)
		require.NoError(t, err)
		var ok atomic.Int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; ; i++ {
				if _, err := c.Write(fmt.Appendf(nil, "m%d:1|c", i%50)); err != nil {
					return // EPIPE once the agent shut the socket for reading
				}
				ok.Add(1)
			}
		}()
		time.Sleep(20 * time.Millisecond)
		require.NoError(t, l.Close())
		<-done
		c.Close()
		assert.Equal(t, uint64(ok.Load()), f.stats.Datagrams.Load(), "written = read")
		assert.Equal(t, f.stats.Lines.Load(), uint64(len(f.rec.lines()))+f.drops.Total())
	}
}

type slowFolder struct{ n atomic.Int64 }

func (s *slowFolder) Fold(*line.Sample) {
	s.n.Add(1)
	time.Sleep(time.Millisecond)
}

// Past DrainBudget the rest of the queue is counted as shutdown_unread.
func TestClose_PastTheBudgetTheQueueIsCounted(t *testing.T) {
	slow := &slowFolder{}
	st := &Stats{}
	d := NewLineDrops(nil)
	l, err := ListenUDP("127.0.0.1:0", Options{NewFolder: func() Folder { return slow }, Stats: st, Drops: d, ReadBuffer: 8 << 20})
	require.NoError(t, err)
	c, err := net.Dial("udp", l.Addr())
	require.NoError(t, err)
	defer c.Close()
	const sent = 4000
	for i := range sent {
		_, err := c.Write(fmt.Appendf(nil, "m%d:1|c\nm%d:2|c", i, i))
		require.NoError(t, err)
	}
	begin := time.Now()
	require.NoError(t, l.Close())
	assert.Less(t, time.Since(begin), DrainBudget+time.Second)
	folded, unread := uint64(slow.n.Load()), d.Get(dropUnread)
	t.Logf("folded %d lines, counted %d unread, kernel drops %d", folded, unread, st.KernelDrops.Load())
	assert.Positive(t, unread)
	assert.Equal(t, uint64(2*sent), folded+unread+2*st.KernelDrops.Load(), "every line folded or counted")
}

// A live socket of the other type at the path is never deleted.
func TestUnixgram_NeverTakesALiveStreamSocket(t *testing.T) {
	f := newFixture()
	path := filepath.Join(t.TempDir(), "s.sock")
	stream, err := ListenUnix(path, 0o600, f.opts())
	require.NoError(t, err)
	defer stream.Close()
	_, err = ListenUnixgram(path, 0o600, f.opts())
	assert.ErrorContains(t, err, "cannot prove stale")
	c, err := net.Dial("unix", path)
	require.NoError(t, err, "the stream socket still works")
	c.Close()
}
