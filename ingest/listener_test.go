package ingest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/ingest/line"
	"github.com/cwagentd/cwagentd/internal/drops"
)

// recorder is a Folder that keeps "name|type|values" of every sample.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Fold(s *line.Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf("%s|%s|%v|%s", s.Name, s.Type, s.Values, s.Tags))
}

func (r *recorder) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

type fixture struct {
	rec   *recorder
	stats *Stats
	drops *drops.Counter
}

func (f *fixture) opts() Options {
	return Options{NewFolder: func() Folder { return f.rec }, Stats: f.stats, Drops: f.drops, ReadBuffer: 1 << 20}
}

func newFixture() *fixture {
	return &fixture{rec: &recorder{}, stats: &Stats{}, drops: NewLineDrops(nil)}
}

func (f *fixture) udp(t *testing.T) (*Listener, net.Conn) {
	t.Helper()
	l, err := ListenUDP("127.0.0.1:0", f.opts())
	require.NoError(t, err)
	c, err := net.Dial("udp", l.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); l.Close() })
	return l, c
}

func (f *fixture) unixgram(t *testing.T, path string) (*Listener, net.Conn) {
	t.Helper()
	l, err := ListenUnixgram(path, 0o660, f.opts())
	require.NoError(t, err)
	c, err := net.Dial("unixgram", path)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close(); l.Close() })
	return l, c
}

func TestListeners_FoldEveryGoodLineAndCountTheBad(t *testing.T) {
	for _, transport := range []string{"udp", "unixgram"} {
		t.Run(transport, func(t *testing.T) {
			f := newFixture()
			var l *Listener
			var c net.Conn
			if transport == "udp" {
				l, c = f.udp(t)
			} else {
				l, c = f.unixgram(t, filepath.Join(t.TempDir(), "statsd.sock"))
			}
			_, err := c.Write([]byte("a:1|c\nbad\nb:2|ms|#env:prod\n\n_e{1,1}:x|y\nc:x|c\r\nd:3|g"))
			require.NoError(t, err)
			_, err = c.Write([]byte("e:4|c"))
			require.NoError(t, err)
			require.NoError(t, l.Close()) // drains: no wait needed
			assert.Equal(t, []string{"a|c|[1]|", "b|ms|[2]|env:prod", "d|g|[3]|", "e|c|[4]|"}, f.rec.lines())
			assert.Equal(t, uint64(2), f.stats.Datagrams.Load())
			assert.Equal(t, uint64(7), f.stats.Lines.Load())
			assert.Equal(t, uint64(1), f.stats.Skipped.Load())
			assert.Equal(t, map[string]uint64{"no_value": 1, "bad_value": 1}, f.drops.Snapshot())
		})
	}
}

func TestClose_DrainsWhatTheKernelHolds(t *testing.T) {
	f := newFixture()
	l, c := f.unixgram(t, filepath.Join(t.TempDir(), "s.sock"))
	const n = 2000
	for i := range n {
		_, err := c.Write([]byte(fmt.Sprintf("m%d:1|c", i)))
		require.NoError(t, err)
	}
	require.NoError(t, l.Close())
	assert.Equal(t, n, len(f.rec.lines()))
	assert.Equal(t, uint64(n), f.stats.Lines.Load())
}

func TestUnixgram_SocketFileLifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir")
	path := filepath.Join(dir, "statsd.sock")
	f := newFixture()

	l, err := ListenUnixgram(path, 0o666, f.opts())
	require.NoError(t, err, "creates the missing directory")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o666), fi.Mode().Perm())

	_, err = ListenUnixgram(path, 0o666, f.opts())
	assert.ErrorContains(t, err, "another process is listening", "a live socket is never stolen")

	require.NoError(t, l.Close())
	assert.NoFileExists(t, path, "removed on close")

	// a stale socket (its owner died without cleaning up) is replaced
	stale, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	require.NoError(t, err)
	require.NoError(t, stale.Close()) // Go leaves the file behind for unixgram
	require.FileExists(t, path)
	l, err = ListenUnixgram(path, 0o600, f.opts())
	require.NoError(t, err)
	require.NoError(t, l.Close())

	// a regular file is never deleted
	require.NoError(t, os.WriteFile(path, []byte("keep"), 0o644))
	_, err = ListenUnixgram(path, 0o666, f.opts())
	assert.ErrorContains(t, err, "is not a socket")
	assert.FileExists(t, path)
}

func TestUnixgram_OversizedDatagramLosesOnlyItsCutLine(t *testing.T) {
	f := newFixture()
	path := filepath.Join(t.TempDir(), "s.sock")
	l, c := f.unixgram(t, path)
	var b strings.Builder
	for i := 0; b.Len() < MaxDatagram+500; i++ {
		fmt.Fprintf(&b, "metric.number.%06d:1|c\n", i)
	}
	// the kernel may refuse a datagram above its wmem limit: raise it is not ours to do
	if _, err := c.Write([]byte(b.String())); err != nil {
		t.Skipf("kernel refused a %d-byte unix datagram: %v", b.Len(), err)
	}
	require.NoError(t, l.Close())
	whole := MaxDatagram / len("metric.number.000000:1|c\n")
	assert.Equal(t, whole, len(f.rec.lines()))
	assert.Equal(t, map[string]uint64{"truncated": 1}, f.drops.Snapshot())
}

func TestListenUDP_BadAddressNamesTheKey(t *testing.T) {
	f := newFixture()
	_, err := ListenUDP("127.0.0.1:notaport", f.opts())
	assert.ErrorContains(t, err, `listen.udp "127.0.0.1:notaport"`)
	l, _ := f.udp(t)
	_, err = ListenUDP(l.Addr(), f.opts())
	assert.ErrorContains(t, err, "set listen.udp to a free address")
}

func TestReadBuffer_AskedAndGranted(t *testing.T) {
	f := newFixture()
	o := f.opts()
	o.ReadBuffer = 256 << 10
	l, err := ListenUDP("127.0.0.1:0", o)
	require.NoError(t, err)
	defer l.Close()
	// Root may force it past rmem_max; others get min(asked, rmem_max).
	assert.Equal(t, 256<<10, l.ReadBuffer())
}
