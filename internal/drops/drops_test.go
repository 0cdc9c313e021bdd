package drops

import (
	"bytes"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestCounter_LogsAtMostOncePerInterval(t *testing.T) {
	var buf bytes.Buffer
	c := New(slog.New(slog.NewTextHandler(&buf, nil)), "dropped lines", []string{"bad_type", "bad_value"})
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }

	c.Add(0, 1, []byte("m1"))
	c.Add(1, 2, nil)
	c.Add(0, 3, nil)
	assert.Equal(t, 1, bytes.Count(buf.Bytes(), []byte("\n")), buf.String())
	assert.Contains(t, buf.String(), "count=1 bad_type=1 example=m1")

	now = now.Add(DefaultInterval)
	c.Add(1, 1, nil)
	assert.Contains(t, buf.String(), "count=6 bad_type=3 bad_value=3")

	c.Flush() // nothing new: no line
	assert.Equal(t, 2, bytes.Count(buf.Bytes(), []byte("\n")), buf.String())
	c.Add(0, 1, nil)
	c.Flush()
	assert.Contains(t, buf.String(), "count=1 bad_type=1\n")
	assert.Equal(t, uint64(5), c.Get(0))
	assert.Equal(t, uint64(8), c.Total())
	assert.Equal(t, map[string]uint64{"bad_type": 5, "bad_value": 3}, c.Snapshot())
}

func TestCounter_AddDoesNotAllocate(t *testing.T) {
	c := New(nil, "lines", []string{"a"})
	c.Add(0, 1, nil) // takes the log slot
	assert.Zero(t, testing.AllocsPerRun(100, func() { c.Add(0, 1, []byte("x")) }))
}
