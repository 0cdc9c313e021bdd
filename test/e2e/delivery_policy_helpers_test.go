package e2e

import (
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

var (
	noRaceOnce   sync.Once
	noRaceBinary string
	noRaceErr    error
)

// plainBinary builds the agent once without -race, next to the race build
// (so TestMain removes it), for tests that run many agents at once.
func plainBinary(t *testing.T) string {
	t.Helper()
	noRaceOnce.Do(func() {
		bin := filepath.Join(filepath.Dir(binary), "cwagentd-norace")
		build := exec.Command("go", "build", "-o", bin, "github.com/cwagentd/cwagentd/cmd/cwagentd")
		out, err := build.CombinedOutput()
		if err != nil {
			noRaceErr = fmt.Errorf("building cwagentd without -race: %v\n%s", err, out)
			return
		}
		noRaceBinary = bin
	})
	if noRaceErr != nil {
		t.Fatal(noRaceErr)
	}
	return noRaceBinary
}

// udpSender writes datagrams to one agent from any goroutine; it reports
// errors instead of failing the test, so it may run off the test goroutine.
type udpSender struct {
	conn net.Conn
	mu   sync.Mutex
	errs []error
}

func newUDPSender(t *testing.T, addr string) *udpSender {
	t.Helper()
	c, err := net.Dial("udp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpSender{conn: c}
}

func (u *udpSender) send(payload string) bool {
	if _, err := u.conn.Write([]byte(payload)); err != nil {
		u.mu.Lock()
		u.errs = append(u.errs, err)
		u.mu.Unlock()
		return false
	}
	return true
}

func (u *udpSender) check(t *testing.T) {
	t.Helper()
	u.mu.Lock()
	defer u.mu.Unlock()
	assert.Empty(t, u.errs, "UDP writes to the agent failed")
}

// sums adds up StatisticValues.Sum (or Value) per series over datums.
func sums(ds []fakecw.Datum) map[string]float64 {
	out := map[string]float64{}
	for k, list := range series(ds) {
		for _, d := range list {
			switch {
			case d.StatisticValues != nil:
				out[k] += d.StatisticValues.Sum
			case d.Value != nil:
				out[k] += *d.Value
			}
		}
	}
	return out
}

// duplicates lists every series whose datum for one timestamp was accepted
// more than once: a request that succeeded was sent again, or a period was
// split and its parts both delivered.
func duplicates(ds []fakecw.Datum) []string {
	var out []string
	for k, list := range series(ds) {
		seen := map[time.Time]int{}
		for _, d := range list {
			seen[d.Timestamp]++
		}
		for ts, n := range seen {
			if n > 1 {
				out = append(out, fmt.Sprintf("%s @%s x%d", k, ts.Format(time.TimeOnly), n))
			}
		}
	}
	sort.Strings(out)
	return out
}

// outcomeCounts counts requests by Outcome.
func outcomeCounts(reqs []fakecw.Request) map[string]int {
	out := map[string]int{}
	for _, r := range reqs {
		out[r.Outcome]++
	}
	return out
}

// counterDatagrams renders one "name:value|c" line per name, perDatagram
// lines to a datagram.
func counterDatagrams(names []string, value func(i int) int, perDatagram int) []string {
	var out []string
	for i := 0; i < len(names); i += perDatagram {
		var b strings.Builder
		for j := i; j < min(i+perDatagram, len(names)); j++ {
			fmt.Fprintf(&b, "%s:%d|c\n", names[j], value(j))
		}
		out = append(out, strings.TrimSuffix(b.String(), "\n"))
	}
	return out
}

// logLinesWith returns the stderr lines holding every one of words.
func logLinesWith(stderr string, words ...string) []string {
	var out []string
	for _, line := range strings.Split(stderr, "\n") {
		ok := true
		for _, w := range words {
			if !strings.Contains(strings.ToLower(line), strings.ToLower(w)) {
				ok = false
				break
			}
		}
		if ok && line != "" {
			out = append(out, line)
		}
	}
	return out
}

// waitExit waits for the agent's exit after a signal the test sent
// itself, and checks it exited 0.
func (a *agent) waitExit(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case <-a.exited:
	case <-time.After(d):
		t.Fatalf("agent did not exit within %s of SIGTERM:\n%s", d, a.stderr.String())
	}
	if a.exitErr != nil {
		t.Errorf("agent exit status after SIGTERM: %v; stderr:\n%s", a.exitErr, a.stderr.String())
	}
}

// beforeErrorAttr is a log line (slog text or JSON) without its error
// attribute and what follows it.
func beforeErrorAttr(line string) string {
	for _, attr := range []string{" error=", `"error":`} {
		if i := strings.Index(line, attr); i >= 0 {
			line = line[:i]
		}
	}
	return line
}
