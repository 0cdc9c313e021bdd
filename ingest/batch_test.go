package ingest

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// counter is a Folder that counts samples by name; fast enough for bursts.
type counter struct {
	mu  sync.Mutex
	got map[string]int
}

func newCounter() *counter { return &counter{got: map[string]int{}} }

func (c *counter) Fold(s *line.Sample) {
	c.mu.Lock()
	c.got[string(s.Name)]++
	c.mu.Unlock()
}

func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.got {
		n += v
	}
	return n
}

// datagramOf packs lines "<prefix>.<i>:1|c" for i in [from, from+n).
func datagramOf(prefix string, from, n int) []byte {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "%s.%d:1|c|#env:prod,svc:api\n", prefix, from+i)
	}
	return []byte(b.String())
}

// listenDatagram starts a listener of the transport with the given readers
// and returns a dial function for senders.
func listenDatagram(t *testing.T, transport string, readers int, o Options) (*Listener, func() net.Conn) {
	t.Helper()
	o.Readers = readers
	var l *Listener
	var err error
	if transport == "udp" {
		l, err = ListenUDP("127.0.0.1:0", o)
	} else {
		l, err = ListenUnixgram(filepath.Join(t.TempDir(), "s.sock"), 0o600, o)
	}
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l, func() net.Conn {
		c, err := net.Dial(transport, l.Addr())
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
}

// TestBatchRead_FoldsEveryLine: many senders, many lines per datagram, one
// or several readers, and every line is folded exactly once. Senders wait
// for the agent every 50 datagrams so that UDP loses nothing to a full
// queue (that is TestKernelDrops_CountedWhenTheAgentFallsBehind's case).
func TestBatchRead_FoldsEveryLine(t *testing.T) {
	const senders, perSender, linesPer = 8, 200, 20
	for _, tc := range []struct {
		transport string
		readers   int
	}{{"udp", 1}, {"udp", 4}, {"unixgram", 1}, {"unixgram", 4}} {
		t.Run(fmt.Sprintf("%s/readers=%d", tc.transport, tc.readers), func(t *testing.T) {
			f := newFixture()
			cnt := newCounter()
			o := f.opts()
			o.NewFolder = func() Folder { return cnt }
			l, dial := listenDatagram(t, tc.transport, tc.readers, o)
			assert.Equal(t, tc.readers, l.Readers())
			conns := make([]net.Conn, senders)
			for i := range conns {
				conns[i] = dial()
			}
			sent := 0
			for d := range perSender {
				for s, c := range conns {
					_, err := c.Write(datagramOf(fmt.Sprintf("s%d", s), d*linesPer, linesPer))
					require.NoError(t, err)
					sent++
				}
				if sent%50 < senders {
					require.Eventually(t, func() bool { return f.stats.Datagrams.Load() == uint64(sent) },
						10*time.Second, time.Millisecond)
				}
			}
			require.NoError(t, l.Close())
			assert.Equal(t, uint64(sent), f.stats.Datagrams.Load())
			assert.Equal(t, uint64(sent*linesPer), f.stats.Lines.Load())
			assert.Equal(t, sent*linesPer, cnt.total())
			assert.Len(t, cnt.got, senders*perSender*linesPer, "every line once")
			assert.Zero(t, f.stats.KernelDrops.Load())
			assert.Zero(t, f.drops.Total())
		})
	}
}

// TestClose_DrainsEveryReader: a burst is sent without waiting, then Close
// folds all of it, with four readers on one socket (unixgram) or four
// SO_REUSEPORT sockets (UDP).
func TestClose_DrainsEveryReader(t *testing.T) {
	for _, transport := range []string{"udp", "unixgram"} {
		t.Run(transport, func(t *testing.T) {
			f := newFixture()
			o := f.opts()
			o.ReadBuffer = 4 << 20
			cnt := newCounter()
			o.NewFolder = func() Folder { return cnt }
			l, dial := listenDatagram(t, transport, 4, o)
			const n = 2000
			conns := make([]net.Conn, 16)
			for i := range conns {
				conns[i] = dial()
			}
			for i := range n {
				_, err := conns[i%len(conns)].Write(datagramOf("m", i, 1))
				require.NoError(t, err)
			}
			require.NoError(t, l.Close())
			got := f.stats.Datagrams.Load()
			if transport == "udp" && l.ReadBuffer() < 4<<20 {
				// Without the right to force the buffer, the kernel's cap
				// may drop some of the burst: those must be counted.
				assert.Equal(t, uint64(n), got+f.stats.KernelDrops.Load())
			} else {
				assert.Equal(t, uint64(n), got, "all folded before Close returned")
				assert.Zero(t, f.stats.KernelDrops.Load())
			}
			assert.Equal(t, int(got), cnt.total())
			after := cnt.total()
			_, _ = conns[0].Write(datagramOf("late", 0, 1))
			time.Sleep(10 * time.Millisecond) // nothing may fold after Close: give it a chance to
			assert.Equal(t, after, cnt.total())
		})
	}
}

// TestUDP_ReusePortSpreadsSendersOverReaders: the kernel hashes each
// sender's address to one of the sockets; with 64 senders every socket of
// 4 gets some (a socket missing all 64 has odds of 4 x (3/4)^64).
func TestUDP_ReusePortSpreadsSendersOverReaders(t *testing.T) {
	f := newFixture()
	o := f.opts()
	var folders []*counter // one per reader, and over UDP one reader per socket
	o.NewFolder = func() Folder {
		c := newCounter()
		folders = append(folders, c)
		return c
	}
	l, dial := listenDatagram(t, "udp", 4, o)
	require.Len(t, l.socks, 4)
	for i := range 64 {
		_, err := dial().Write(datagramOf("r", i, 1))
		require.NoError(t, err)
	}
	require.NoError(t, l.Close())
	assert.Equal(t, uint64(64), f.stats.Datagrams.Load())
	for i, c := range folders {
		assert.NotZero(t, c.total(), "socket %d received nothing", i)
	}
}

func TestUDP_ReadersRefuseAPortAlreadyTaken(t *testing.T) {
	f := newFixture()
	o := f.opts()
	o.Readers = 4
	first, err := ListenUDP("127.0.0.1:0", o)
	require.NoError(t, err)
	defer first.Close()
	// SO_REUSEPORT must not let a second agent share the port silently.
	_, err = ListenUDP(first.Addr(), o)
	assert.ErrorContains(t, err, "set listen.udp to a free address")
}

// gate is a Folder that blocks in its first Fold until released.
type gate struct {
	entered, release chan struct{}
	once             sync.Once
}

func (g *gate) Fold(*line.Sample) {
	g.once.Do(func() {
		close(g.entered)
		<-g.release
	})
}

// TestKernelDrops_CountedWhenTheAgentFallsBehind: the reader is stuck in
// Fold, a 64 KiB queue overflows under a burst, and the kernel's drop
// counter comes back with the next datagram (SO_RXQ_OVFL), then exactly at
// Close (SO_MEMINFO): every datagram is either folded or counted dropped.
func TestKernelDrops_CountedWhenTheAgentFallsBehind(t *testing.T) {
	f := newFixture()
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	o := f.opts()
	o.NewFolder, o.ReadBuffer = func() Folder { return g }, 64<<10
	l, dial := listenDatagram(t, "udp", 1, o)
	c := dial()
	_, err := c.Write([]byte("first:1|c"))
	require.NoError(t, err)
	<-g.entered

	const burst = 2000
	payload := datagramOf("burst", 0, 20)
	for range burst {
		_, err := c.Write(payload)
		require.NoError(t, err)
	}
	close(g.release)
	require.Eventually(t, func() bool { return f.stats.Datagrams.Load() > 1 }, 10*time.Second, time.Millisecond)
	// Only a datagram queued after the drops carries their count.
	_, err = c.Write([]byte("last:1|c"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return f.stats.KernelDrops.Load() > 0 }, 10*time.Second, time.Millisecond,
		"reported with the next datagram, before Close")
	require.NoError(t, l.Close())
	drops := f.stats.KernelDrops.Load()
	assert.Greater(t, drops, uint64(burst/2), "a 64 KiB queue holds far fewer than %d datagrams", burst)
	assert.Equal(t, uint64(burst+2), f.stats.Datagrams.Load()+drops)
}

func TestRXQOverflow_ParsesOnlyItsMessage(t *testing.T) {
	cmsg := func(level, typ int32, v uint32) []byte {
		b := make([]byte, oobSlot)
		h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
		h.Level, h.Type = level, typ
		h.SetLen(unix.CmsgLen(4))
		*(*uint32)(unsafe.Pointer(&b[unix.CmsgLen(0)])) = v
		return b
	}
	f := func(oob []byte, n int, want uint32, wantOK bool) {
		t.Helper()
		got, ok := rxqOverflow(oob, n)
		assert.Equal(t, wantOK, ok)
		assert.Equal(t, want, got)
	}
	f(cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 7), unix.CmsgSpace(4), 7, true)
	f(cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 7), 0, 0, false)
	f(cmsg(unix.SOL_SOCKET, unix.SO_TIMESTAMP, 7), unix.CmsgSpace(4), 0, false)
	f(cmsg(unix.IPPROTO_IP, unix.SO_RXQ_OVFL, 7), unix.CmsgSpace(4), 0, false)
}

func TestSawDrops_WrapsAndIgnoresOlderValues(t *testing.T) {
	st := &Stats{}
	s := &socket{stats: st}
	// 3 and 5 again are not news; 0 after 3<<30 is the 32-bit counter wrapping.
	for _, v := range []uint32{5, 3, 5, 1 << 31, 3 << 30, 0, 10} {
		s.sawDrops(v)
	}
	assert.Equal(t, uint64(1<<32+10), st.KernelDrops.Load())
}

// TestNewFolder_OnePerReader: each reader folds into its own Folder; stream
// connections share Readers of them.
func TestNewFolder_OnePerReader(t *testing.T) {
	for _, transport := range []string{"udp", "unixgram", "unix"} {
		t.Run(transport, func(t *testing.T) {
			f := newFixture()
			var folders []*counter
			o := f.opts()
			o.Readers = 3
			o.NewFolder = func() Folder {
				c := newCounter()
				folders = append(folders, c)
				return c
			}
			var closer interface{ Close() error }
			var dial func() net.Conn
			if transport == "unix" {
				l, d := f.stream(t, o)
				closer, dial = l, func() net.Conn { return d() }
			} else {
				closer, dial = listenDatagram(t, transport, 3, o)
			}
			require.Len(t, folders, 3)
			for i := range 30 {
				_, err := dial().Write(datagramOf("x", i, 1))
				require.NoError(t, err)
			}
			require.NoError(t, closer.Close())
			total := 0
			for i, c := range folders {
				total += c.total()
				if transport != "unixgram" { // readers of one datagram socket race for it
					assert.NotZero(t, c.total(), "folder %d got nothing", i)
				}
			}
			assert.Equal(t, 30, total)
		})
	}
}

// A reader's slots are mapped outside the Go heap and unmapped once: free
// is safe to call again (an error path and the reader's exit may both).
func TestBatch_SlotsOutsideTheHeapFreedOnce(t *testing.T) {
	b, err := newBatch(false)
	require.NoError(t, err)
	require.Len(t, b.bufs, BatchSize*slot)
	b.bufs[len(b.bufs)-1] = 1 // writable to the end
	b.free()
	assert.Nil(t, b.bufs)
	b.free()
}
