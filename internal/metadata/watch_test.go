package metadata

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// watched is what one Watch run did.
type watched struct {
	applied [][]Dimension
	waits   []time.Duration
}

// watch runs Watch with its waits taken over: after the i-th wait, step i
// runs (to change the fakes) and the next lookup follows; after the last
// step, the next wait ends the run. No wall time passes.
func watch(s *Source, names []string, every time.Duration, log *slog.Logger, steps ...func()) watched {
	var w watched
	s.sleep = func(_ context.Context, d time.Duration) bool {
		w.waits = append(w.waits, d)
		if len(w.waits) > len(steps) {
			return false
		}
		steps[len(w.waits)-1]()
		return true
	}
	s.Watch(context.Background(), names, every, log, func(d []Dimension) { w.applied = append(w.applied, d) })
	return w
}

func nothing() {}

func TestWatch_RetriesWithBackoffUntilComplete(t *testing.T) {
	imds := newFakeIMDS(t)
	tmde := newFakeTMDE(t)
	imds.set(func(f *fakeIMDS) { f.fail = 3 })
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL, envECS: tmde.uri()})}

	w := watch(s, []string{"InstanceId", "ContainerName"}, 10*time.Minute, nil, nothing, nothing, nothing, nothing)
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 10 * time.Minute, 10 * time.Minute}, w.waits)
	assert.Equal(t, [][]Dimension{
		{{"ContainerName", "cwagentd"}}, // the first, partial result
		{{"InstanceId", "i-0123456789abcdef0"}, {"ContainerName", "cwagentd"}},
	}, w.applied)
}

func TestWatch_BackoffStopsAtTheInterval(t *testing.T) {
	s := &Source{Env: env(map[string]string{envIMDSDisabled: "true"})}
	w := watch(s, []string{"InstanceId"}, 12*time.Second, nil, nothing, nothing, nothing)
	assert.Equal(t, []time.Duration{5 * time.Second, 10 * time.Second, 12 * time.Second, 12 * time.Second}, w.waits)
	assert.Equal(t, [][]Dimension{{}}, w.applied, "the first result is applied even when empty, and only once")

	w = watch(s, []string{"InstanceId"}, time.Second, nil, nothing)
	assert.Equal(t, []time.Duration{time.Second, time.Second}, w.waits, "never waits longer than the interval")
}

func TestWatch_AppliesOnlyChanges(t *testing.T) {
	imds := newFakeIMDS(t)
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL})}
	w := watch(s, []string{"InstanceType", "AvailabilityZone"}, time.Minute, nil,
		nothing, // unchanged: not applied again
		func() { imds.set(func(f *fakeIMDS) { f.doc["instanceType"] = "m7g.xlarge" }) },
		nothing,
	)
	assert.Equal(t, [][]Dimension{
		{{"InstanceType", "m7g.large"}, {"AvailabilityZone", "us-east-1a"}},
		{{"InstanceType", "m7g.xlarge"}, {"AvailabilityZone", "us-east-1a"}},
	}, w.applied)
	assert.Equal(t, []time.Duration{time.Minute, time.Minute, time.Minute, time.Minute}, w.waits)
	_, gets, _ := imds.counts()
	assert.Equal(t, 4, gets)
}

// A refresh that fails keeps the values already applied (a new dimension
// set is a new CloudWatch metric), retries sooner, and logs the failure at
// Warn once, then at Debug while it repeats.
func TestWatch_FailedRefreshKeepsTheLastValues(t *testing.T) {
	imds := newFakeIMDS(t)
	tmde := newFakeTMDE(t)
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL, envECS: tmde.uri()})}
	failTask := func(code int) func() {
		return func() { tmde.set(func(f *fakeTMDE) { f.status[tmdePath+"/task"] = code }) }
	}
	w := watch(s, []string{"InstanceId", "TaskFamily"}, 10*time.Minute, log,
		failTask(500), nothing, failTask(0), failTask(503), failTask(0),
	)
	assert.Equal(t, [][]Dimension{{{"InstanceId", "i-0123456789abcdef0"}, {"TaskFamily", "checkout"}}}, w.applied)
	assert.Equal(t, []time.Duration{
		10 * time.Minute,
		5 * time.Second, 10 * time.Second, // 500, 500
		10 * time.Minute, // recovered: back to the interval
		5 * time.Second,  // a new failure starts the backoff again
		10 * time.Minute,
	}, w.waits)

	var got []string
	var records []map[string]any
	dec := json.NewDecoder(&buf)
	for dec.More() {
		var r map[string]any
		require.NoError(t, dec.Decode(&r))
		records = append(records, r)
		got = append(got, fmt.Sprint(r["level"], " ", r["msg"]))
	}
	assert.Equal(t, []string{
		"INFO metadata dimensions",
		"WARN metadata lookup failed",
		"DEBUG metadata lookup failed",
		"INFO metadata lookup recovered",
		"WARN metadata lookup failed",
		"INFO metadata lookup recovered",
	}, got)
	assert.Equal(t, "InstanceId=i-0123456789abcdef0,TaskFamily=checkout", records[0]["dimensions"])
	assert.Equal(t, "metadata lookup: TaskFamily: ECS task metadata: GET "+tmde.uri()+`/task: status 500 Internal Server Error: "Unable to generate metadata"`, records[1]["err"])
	assert.Equal(t, "5s", records[1]["retry_in"])
}

func TestWatch_InvalidNamesLogAndReturn(t *testing.T) {
	var buf bytes.Buffer
	s := &Source{Env: env(nil)}
	w := watch(s, []string{"InstanceID"}, time.Minute, slog.New(slog.NewTextHandler(&buf, nil)))
	assert.Empty(t, w.applied)
	assert.Empty(t, w.waits)
	assert.Contains(t, buf.String(), `level=ERROR msg="metadata dimensions are not looked up"`)
	assert.Contains(t, buf.String(), `did you mean \"InstanceId\"?`)
}

func TestWatch_ReturnsWhenContextIsDone(t *testing.T) {
	imds := newFakeIMDS(t)
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL})} // the real timer wait

	ctx, cancel := context.WithCancel(context.Background())
	var applied int
	s.Watch(ctx, []string{"InstanceId"}, time.Hour, nil, func([]Dimension) { applied++; cancel() })
	assert.Equal(t, 1, applied, "returns from the hour's wait at once")

	s.Watch(ctx, []string{"InstanceId"}, time.Hour, nil, func([]Dimension) { applied++ })
	assert.Equal(t, 1, applied, "a lookup cut short by ctx is not applied")
}
