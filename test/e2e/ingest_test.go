package e2e

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// TestE2E_StreamAndReadersLoseNothingOnSIGTERM runs the real binary with
// the Unix stream socket and four readers per datagram socket, sends from
// several stream connections (some hang up, some stay connected, one ends
// without a final newline) and several UDP senders (so that SO_REUSEPORT
// spreads them), stops it with SIGTERM right away, and checks the sums.
func TestE2E_StreamAndReadersLoseNothingOnSIGTERM(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(15 * time.Second)
	stream := filepath.Join(t.TempDir(), "stream.sock")
	a := startAgent(t, append(awsEnv(cw), "CWAGENTD_CLOUDWATCH_NAMESPACE=E2E/Ingest"),
		"--listen.unix="+stream, "--listen.readers=4")

	const conns, perConn = 8, 3000
	var wg sync.WaitGroup
	for i := range conns {
		c, err := net.Dial("unix", stream)
		require.NoError(t, err)
		defer c.Close()
		wg.Go(func() {
			var b strings.Builder
			for range perConn {
				fmt.Fprintf(&b, "e2e.stream:1|c|#conn:%d\n", i)
			}
			payload := b.String()
			if i == 0 {
				payload = strings.TrimSuffix(payload, "\n") // folded at EOF all the same
			}
			for len(payload) > 0 { // writes that cut lines
				n := min(len(payload), 1000+i*37)
				_, err := c.Write([]byte(payload[:n]))
				assert.NoError(t, err)
				payload = payload[n:]
			}
			if i%2 == 0 {
				assert.NoError(t, c.(*net.UnixConn).CloseWrite())
			}
		})
	}

	const senders, datagrams, linesPer = 16, 50, 10
	for s := range senders {
		c, err := net.Dial("udp", a.UDP)
		require.NoError(t, err)
		defer c.Close()
		dg := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("e2e.udp:2|c|#sender:%d\n", s%4), linesPer), "\n")
		for range datagrams {
			_, err := c.Write([]byte(dg))
			require.NoError(t, err)
		}
	}
	a.send("unixgram", "e2e.unixgram:5|c", "e2e.unixgram:5|c")
	wg.Wait()
	a.stop()
	assert.NoFileExists(t, stream, "the stream socket file is removed on exit")

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	sum := func(key string) float64 {
		t.Helper()
		require.Len(t, got[key], 1, "datums for %s", key)
		return got[key][0].StatisticValues.Sum
	}
	for i := range conns {
		assert.Equal(t, float64(perConn), sum(fmt.Sprintf("e2e.stream{conn=%d}", i)), "stream connection %d", i)
	}
	for s := range 4 {
		assert.Equal(t, float64(2*linesPer*datagrams*senders/4), sum(fmt.Sprintf("e2e.udp{sender=%d}", s)))
	}
	assert.Equal(t, 10.0, sum("e2e.unixgram{}"))
	assert.Contains(t, a.stderr.String(), fmt.Sprintf("lines_unix=%d connections_unix=%d kernel_drops_udp=0", conns*perConn, conns))
	assert.Contains(t, a.stderr.String(), fmt.Sprintf("lines_udp=%d lines_unixgram=2 lines_dropped=0", senders*datagrams*linesPer))
}
