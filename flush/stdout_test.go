package flush

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./flush -run %s -update to create it", t.Name())
	assert.Equal(t, string(want), string(got))
}

func stdoutRequest() *Request {
	return &Request{
		Namespace: "StatsD", Timestamp: time.Date(2026, 11, 22, 10, 0, 1, 0, time.FixedZone("CET", 3600)), Resolution: 1,
		Datums: []aggregate.Datum{
			{Name: "requests", Unit: aggregate.UnitCount,
				Stats: aggregate.StatisticSet{SampleCount: 12.5, Sum: 40, Minimum: 1, Maximum: 7}},
			{Name: "users", Unit: aggregate.UnitCount, HasValue: true, Value: 3,
				Dimensions: []aggregate.Dimension{{Name: "env", Value: "prod"}}},
			{Name: "latency", Unit: aggregate.UnitMilliseconds,
				Dimensions: []aggregate.Dimension{{Name: "env", Value: "prod"}, {Name: "route", Value: "/api/v1/users?x=\"<&>\""}},
				Stats:      aggregate.StatisticSet{SampleCount: 6, Sum: 21.75, Minimum: 0.25, Maximum: 10},
				Values:     []float64{0.25, 2.5, 10}, Counts: []float64{2, 3, 1}},
			{Name: "idle", HasValue: true, Value: 0},
		},
	}
}

func TestStdout_Golden(t *testing.T) {
	var buf bytes.Buffer
	s := &Stdout{W: &buf}
	require.NoError(t, s.Publish(context.Background(), stdoutRequest()))
	golden(t, "stdout.golden", buf.Bytes())
}

func TestStdout_OneValidJSONLinePerRequest(t *testing.T) {
	var buf bytes.Buffer
	s := &Stdout{W: &buf}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				assert.NoError(t, s.Publish(context.Background(), stdoutRequest()))
			}
		})
	}
	wg.Wait()
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.Len(t, lines, 160)
	for _, l := range lines {
		var got jsonRequest
		require.NoError(t, json.Unmarshal([]byte(l), &got))
		assert.Equal(t, "StatsD", got.Namespace)
		assert.Len(t, got.MetricData, 4)
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestStdout_Errors(t *testing.T) {
	assert.EqualError(t, (&Stdout{W: failingWriter{}}).Publish(context.Background(), stdoutRequest()), "broken pipe")

	var buf bytes.Buffer
	r := stdoutRequest()
	r.Datums[1].Value = math.NaN() // sanitize never lets one through; JSON cannot carry it
	assert.Error(t, (&Stdout{W: &buf}).Publish(context.Background(), r))
	assert.Empty(t, buf.String(), "nothing half-written")
}
