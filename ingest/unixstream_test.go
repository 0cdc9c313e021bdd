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
)

func (f *fixture) stream(t *testing.T, o Options) (*StreamListener, func() *net.UnixConn) {
	t.Helper()
	l, err := ListenUnix(filepath.Join(t.TempDir(), "stream.sock"), 0o600, o)
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })
	return l, func() *net.UnixConn {
		c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: l.Addr(), Net: "unix"})
		require.NoError(t, err)
		t.Cleanup(func() { c.Close() })
		return c
	}
}

// TestStream_ManyClientsExactCounts: clients write lines cut at arbitrary
// points across writes; some hang up, some stay connected until Close.
func TestStream_ManyClientsExactCounts(t *testing.T) {
	const clients, perClient = 24, 2000
	for _, hangUp := range []bool{true, false} {
		t.Run(fmt.Sprintf("hang_up=%v", hangUp), func(t *testing.T) {
			f := newFixture()
			cnt := newCounter()
			o := f.opts()
			o.NewFolder = func() Folder { return cnt }
			l, dial := f.stream(t, o)
			var wg sync.WaitGroup
			for c := range clients {
				conn := dial()
				wg.Go(func() {
					data := datagramOf(fmt.Sprintf("c%d", c), 0, perClient)
					for len(data) > 0 { // cut anywhere, lines included
						n := min(len(data), 1+(c*7919+len(data))%4000)
						_, err := conn.Write(data[:n])
						assert.NoError(t, err)
						data = data[n:]
					}
					if hangUp {
						assert.NoError(t, conn.Close())
					}
				})
			}
			wg.Wait()
			require.NoError(t, l.Close())
			assert.Equal(t, clients*perClient, cnt.total())
			assert.Len(t, cnt.got, clients*perClient, "every line once")
			assert.Equal(t, uint64(clients*perClient), f.stats.Lines.Load())
			assert.Equal(t, uint64(clients), f.stats.Connections.Load())
			assert.GreaterOrEqual(t, f.stats.Datagrams.Load(), uint64(clients), "a stream's reads count as its datagrams")
			assert.Zero(t, f.drops.Total())
			assert.NoFileExists(t, l.Addr())
		})
	}
}

// TestStream_Lines: what one client writes, and what is folded and dropped.
func TestStream_Lines(t *testing.T) {
	long := "big:1|c|#k:" + strings.Repeat("v", MaxLine)
	exact := long[:MaxLine]
	for _, tc := range []struct {
		name    string
		writes  []string
		hangUp  bool
		folded  []string
		lines   uint64
		dropped map[string]uint64
	}{
		{name: "partial last line at EOF is folded", writes: []string{"a:1|c\nb:2|c"}, hangUp: true,
			folded: []string{"a|c|[1]|", "b|c|[2]|"}, lines: 2, dropped: map[string]uint64{}},
		{name: "line split across writes", writes: []string{"a:1", "|c\nb:", "2|c\n"},
			folded: []string{"a|c|[1]|", "b|c|[2]|"}, lines: 2, dropped: map[string]uint64{}},
		{name: "half-written line at Close is cut", writes: []string{"a:1|c\nb:2|c|#env:pr"},
			folded: []string{"a|c|[1]|"}, lines: 2, dropped: map[string]uint64{"truncated": 1}},
		{name: "bad lines dropped alone", writes: []string{"a:1|c\nbad\n\nb:2|c\n"},
			folded: []string{"a|c|[1]|", "b|c|[2]|"}, lines: 3, dropped: map[string]uint64{"no_value": 1}},
		{name: "a line too long is dropped and the next ones count",
			writes: []string{"a:1|c\n" + long[:40000], long[40000:] + "\nb:2|c\n", "c:3|c\n"},
			folded: []string{"a|c|[1]|", "b|c|[2]|", "c|c|[3]|"}, lines: 4, dropped: map[string]uint64{"line_too_long": 1}},
		{name: "a line too long at EOF", writes: []string{"a:1|c\n" + long}, hangUp: true,
			folded: []string{"a|c|[1]|"}, lines: 2, dropped: map[string]uint64{"line_too_long": 1}},
		{name: "a line of MaxLine bytes is taken", writes: []string{exact + "\nb:2|c\n"},
			folded: []string{"big|c|[1]|k:" + exact[len("big:1|c|#k:"):], "b|c|[2]|"}, lines: 2, dropped: map[string]uint64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture()
			l, dial := f.stream(t, f.opts())
			c := dial()
			for _, w := range tc.writes {
				_, err := c.Write([]byte(w))
				require.NoError(t, err)
			}
			if tc.hangUp {
				require.NoError(t, c.CloseWrite())
			}
			require.NoError(t, l.Close())
			assert.Equal(t, tc.folded, f.rec.lines())
			assert.Equal(t, tc.lines, f.stats.Lines.Load())
			assert.Equal(t, tc.dropped, f.drops.Snapshot())
		})
	}
}

func TestStream_SocketFileLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "stream.sock")
	f := newFixture()
	l, err := ListenUnix(path, 0o660, f.opts())
	require.NoError(t, err, "creates the missing directory")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o660), fi.Mode().Perm())

	_, err = ListenUnix(path, 0o660, f.opts())
	assert.ErrorContains(t, err, `listen.unix "`+path+`": another process is listening`)

	require.NoError(t, l.Close())
	assert.NoFileExists(t, path, "removed on close")
	require.NoError(t, l.Close(), "twice is fine")

	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	require.NoError(t, err)
	stale.SetUnlinkOnClose(false) // as if its owner had died
	require.NoError(t, stale.Close())
	require.FileExists(t, path)
	l, err = ListenUnix(path, 0o600, f.opts())
	require.NoError(t, err, "a stale socket is replaced")
	require.NoError(t, l.Close())

	require.NoError(t, os.WriteFile(path, []byte("keep"), 0o644))
	_, err = ListenUnix(path, 0o600, f.opts())
	assert.ErrorContains(t, err, "is not a socket")
	assert.FileExists(t, path)
}
