package spool

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSpool_SurvivesSIGKILL kills a process that appends and acks as fast as
// it can and checks the promises: every record whose Append returned is
// there, and none whose Ack returned comes back.
func TestSpool_SurvivesSIGKILL(t *testing.T) {
	if dir := os.Getenv("SPOOL_CRASH_DIR"); dir != "" {
		crashChild(dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpool_SurvivesSIGKILL$")
	cmd.Env = append(os.Environ(), "SPOOL_CRASH_DIR="+dir)
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	appended, acked := map[ID]bool{}, map[ID]bool{}
	var last ID
	lines := bufio.NewScanner(out)
	read := func() bool {
		if !lines.Scan() {
			return false
		}
		var op string
		var id ID
		_, err := fmt.Sscanf(lines.Text(), "%s %d", &op, &id)
		require.NoError(t, err, lines.Text())
		if op == "A" {
			appended[id], last = true, id
		} else {
			acked[id] = true
		}
		return true
	}
	for len(appended) < 200 && read() {
	}
	require.NoError(t, cmd.Process.Kill()) // SIGKILL, somewhere in an Append or an Ack
	for read() {                           // what it said before it died
	}
	_ = cmd.Wait()
	require.GreaterOrEqual(t, len(appended), 200, "the child ran")
	require.NotEmpty(t, acked)

	s := openT(t, dir, &clock{t0})
	defer s.Close()
	live := map[ID]bool{}
	unknown := 0
	for _, e := range s.Pending() {
		live[e.ID] = true
		assert.False(t, acked[e.ID], "record %d came back after its Ack returned", e.ID)
		if !appended[e.ID] {
			unknown++ // its Append had not returned yet
		}
		_, err := s.Read(e.ID)
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, unknown, 1)
	for id := range appended {
		// The last one may have been acked without the child saying so.
		mayBeAcked := id == last && (id-1)%3 != 0
		if !acked[id] && !mayBeAcked {
			assert.True(t, live[id], "record %d was lost", id)
		}
	}
}

// crashChild appends records and acks two of every three, saying so on
// stdout after each call returns, until it is killed.
func crashChild(dir string) {
	s, err := Open(Options{Dir: dir, Now: func() time.Time { return t0 }, SegmentBytes: 8 << 10})
	if err != nil {
		panic(err)
	}
	data := []byte(strings.Repeat("x", 500))
	for i := 0; ; i++ {
		id, err := s.Append(t0, data)
		if err != nil {
			panic(err)
		}
		fmt.Fprintf(os.Stdout, "A %d\n", id)
		if i%3 != 0 {
			if err := s.Ack(id); err != nil {
				panic(err)
			}
			fmt.Fprintf(os.Stdout, "K %d\n", id)
		}
	}
}
