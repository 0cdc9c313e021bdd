package aggregate

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newRulesHarness(t *testing.T, r Rules) *harness {
	h := &harness{t: t, now: t0.Add(5 * time.Second)}
	h.a = New(Options{Period: time.Minute, GaugeTTL: 5 * time.Minute, Rules: r, Now: func() time.Time { return h.now }})
	return h
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, name string
		want          bool
	}{
		{"*", "", true},
		{"*", "api.latency", true},
		{"api.*", "api.latency", true},
		{"api.*", "api", false},
		{"api.*", "web.api.x", false},
		{"*.latency", "api.v2.latency", true},
		{"*.latency", "api.latency.p99", false},
		{"api.*.latency", "api.v2.latency", true},
		{"api.*.latency", "api..latency", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXbYY", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"**x", "abx", true},
		{"a*a*a", "aaa", true},
		{"a*a*a", "aa", false},
	} {
		assert.Equal(t, c.want, match(c.pattern, c.name), "%q ~ %q", c.pattern, c.name)
		assert.Equal(t, c.want, match(c.pattern, []byte(c.name)), "%q ~ %q as bytes", c.pattern, c.name)
	}
}

func dimText(d Datum) string {
	var parts []string
	for _, dm := range d.Dimensions {
		parts = append(parts, dm.Name+"="+dm.Value)
	}
	return strings.Join(parts, ",")
}

func TestRules_Dimensions(t *testing.T) {
	r := Rules{
		Static:       []Dimension{{"Environment", "prod"}, {"Team", "core"}},
		BareTagValue: "true",
		Rename:       map[string]string{"env": "Environment", "svc": "Service", "host": "Host", "h": "Host"},
		Tags: []TagRule{
			{Metrics: "api.*", Allow: []string{"Service", "route", "canary"}},
			{Metrics: "*", Deny: []string{"request_id"}},
		},
	}
	for _, c := range []struct {
		line, want string
		fixes      map[string]uint64
	}{
		{"api.req:1|c|#svc:checkout,route:/pay,pod:x1", "Environment=prod,Service=checkout,Team=core,route=/pay", map[string]uint64{}},
		{"api.req:1|c|#canary,svc:a", "Environment=prod,Service=a,Team=core,canary=true", map[string]uint64{}},
		{"web.req:1|c|#request_id:77,pod:x1", "Environment=prod,Team=core,pod=x1", map[string]uint64{}},
		{"web.req:1|c|#env:dev,pod:x2", "Environment=prod,Team=core,pod=x2", map[string]uint64{"static_override": 1}},
		{"web.req:1|c|#Team:other", "Environment=prod,Team=core", map[string]uint64{"static_override": 1}},
		{"web.req:1|c|#host:a,h:b", "Environment=prod,Host=a,Team=core", map[string]uint64{"duplicate_name": 1}},
		{"web.req:1|c|#pod:", "Environment=prod,Team=core", map[string]uint64{"empty_value": 1}},
	} {
		h := newRulesHarness(t, r)
		h.fold(c.line)
		got := h.close()
		require.Len(t, got, 1, c.line)
		for _, d := range got {
			assert.Equal(t, c.want, dimText(d), c.line)
		}
		assert.Equal(t, c.fixes, h.a.TagFixes.Snapshot(), c.line)
	}
}

func TestRules_BareTagsDroppedWithoutAValue(t *testing.T) {
	h := newRulesHarness(t, Rules{})
	h.fold("m:1|c|#canary,a:1")
	for _, d := range h.close() {
		assert.Equal(t, "a=1", dimText(d))
	}
	assert.Equal(t, map[string]uint64{"bare_tag": 1}, h.a.TagFixes.Snapshot())
}

// The operator's dimensions always stay; tags fill what is left of 30 in
// name order.
func TestRules_ThirtyDimensionsOperatorFirst(t *testing.T) {
	var static []Dimension
	for i := range 5 {
		static = append(static, Dimension{fmt.Sprintf("S%d", i), "v"})
	}
	h := newRulesHarness(t, Rules{Static: static})
	h.a.SetMetadata([]Dimension{{"InstanceId", "i-1"}, {"S0", "metadata loses to static"}})
	h.close() // metadata applies from the next period
	var tags []string
	for i := range 40 {
		tags = append(tags, fmt.Sprintf("k%02d:v", 39-i))
	}
	h.fold("m:1|c|#" + strings.Join(tags, ","))
	got := h.close()
	require.Len(t, got, 1)
	for _, d := range got {
		require.Len(t, d.Dimensions, MaxDimensions)
		assert.Contains(t, d.Dimensions, Dimension{"InstanceId", "i-1"})
		assert.Contains(t, d.Dimensions, Dimension{"S0", "v"})
		assert.Contains(t, d.Dimensions, Dimension{"k23", "v"}, "24 tags fit beside 6 operator dimensions")
		assert.NotContains(t, d.Dimensions, Dimension{"k24", "v"})
	}
	assert.Equal(t, map[string]uint64{"too_many_dimensions": 1}, h.a.TagFixes.Snapshot())
}

func TestRules_MetadataChangesAtThePeriodBoundary(t *testing.T) {
	h := newRulesHarness(t, Rules{})
	h.fold("m:1|c|#a:1", "g:5|g")
	h.a.SetMetadata([]Dimension{{"InstanceId", "i-1"}})
	h.fold("m:1|c|#a:1")
	got := h.close()
	assert.Equal(t, 2.0, got["m{a=1}"].Stats.Sum, "the open period keeps its dimensions")
	h.fold("m:1|c|#a:1")
	got = h.close()
	assert.Equal(t, 1.0, got["m{InstanceId=i-1,a=1}"].Stats.Sum)
	assert.Contains(t, got, "g{InstanceId=i-1}", "an idle gauge moves too once it is set again")
}

func TestRules_Units(t *testing.T) {
	h := newRulesHarness(t, Rules{Units: []UnitRule{{"*.bytes", "Bytes"}, {"queue.*", "Count"}}})
	h.fold("io.bytes:512|h", "io.bytes:1|c", "queue.depth:3|g", "lat:5|ms", "lat:5|h", "n:1|c", "u:a|s", "free:1|g", "d:1|d")
	got := map[string]string{}
	for _, b := range h.a.Close(h.now.Add(time.Minute)) {
		for _, d := range b.Datums {
			got[d.Name] += d.Unit + " "
		}
	}
	assert.Equal(t, map[string]string{
		"io.bytes": "Bytes Bytes ", "queue.depth": "Count ", "n": "Count ", "u": "Count ",
		"free": "None ", "d": "None ",
		"lat": "Milliseconds Milliseconds ", // |h after |ms keeps the pinned unit
	}, got)
	assert.Equal(t, map[string]uint64{"unit_conflict": 1}, h.a.UnitConflicts.Snapshot())
}

// A pin lasts while a series of the name lives: once every series is
// forgotten, the next type seen chooses again.
func TestRules_UnitPinIsReleased(t *testing.T) {
	h := newRulesHarness(t, Rules{})
	h.fold("lat:5|ms")
	h.close()
	h.close()
	h.close() // forgotten after two idle periods
	h.fold("lat:5|h")
	got := h.close()
	assert.Equal(t, UnitNone, got["lat{}"].Unit)
	assert.Zero(t, h.a.UnitConflicts.Total())
}

func TestRules_Rollups(t *testing.T) {
	h := newRulesHarness(t, Rules{
		Static:  []Dimension{{"Environment", "prod"}},
		Rollups: []Rollup{{Metrics: "api.*", Dimensions: [][]string{{}, {"service"}, {"service", "Environment"}}}},
	})
	h.fold(
		"api.req:1|c|#service:a,host:1", "api.req:2|c|#service:a,host:2", "api.req:4|c|#service:b,host:1",
		"api.req:8|c", // no service: in [] only
		"api.lat:10|ms|#service:a,host:1", "api.lat:30|ms|#service:a,host:2",
		"api.users:x|s|#host:1", "api.users:x|s|#host:2", "api.users:y|s|#host:2",
		"api.q:3|g|#host:1",
		"web.req:1|c|#service:a",
	)
	got := h.closeAll()
	sum := func(k string) float64 {
		t.Helper()
		require.Len(t, got[k], 1, "%s in %v", k, keysOf(got))
		return got[k][0].Stats.Sum
	}
	assert.Equal(t, 1.0, sum("api.req{Environment=prod,host=1,service=a}"), "originals stay")
	assert.Equal(t, 15.0, sum("api.req{}"), "[] folds every series")
	assert.Equal(t, 3.0, sum("api.req{service=a}"))
	assert.Equal(t, 4.0, sum("api.req{service=b}"))
	assert.Equal(t, 3.0, sum("api.req{Environment=prod,service=a}"), "a static dimension can be named")
	assert.Equal(t, 8.0, sum("api.req{Environment=prod}"), "the series without service is not in [service]")

	lat := got["api.lat{service=a}"]
	require.Len(t, lat, 1)
	assert.Equal(t, StatisticSet{SampleCount: 2, Sum: 40, Minimum: 10, Maximum: 30}, lat[0].Stats)
	assert.Equal(t, []float64{10, 30}, lat[0].Values)
	assert.Equal(t, UnitMilliseconds, lat[0].Unit)

	users := got["api.users{}"]
	require.Len(t, users, 1)
	assert.Equal(t, 2.0, users[0].Value, "sets merge members, not counts")
	assert.Equal(t, 3.0, sum("api.q{}"))
	assert.NotContains(t, got, "web.req{}", "only matching metrics roll up")

	// An idle gauge repeats into its rollup too.
	got = h.closeAll()
	assert.Equal(t, 3.0, sum("api.q{}"))
	assert.Equal(t, 3.0, sum("api.q{Environment=prod,host=1}"))
}

func TestRules_RollupAbsorbsTheSameSeriesAndDropsOriginals(t *testing.T) {
	h := newRulesHarness(t, Rules{Rollups: []Rollup{
		{Metrics: "a", Dimensions: [][]string{{"service"}}},
		{Metrics: "b", Dimensions: [][]string{{"service"}}, DropOriginal: true},
	}})
	h.fold("a:1|c|#service:x", "a:2|c|#service:x,host:1", "b:1|c|#service:x,host:1", "b:2|c|#service:x,host:2")
	got := h.closeAll()
	require.Len(t, got["a{service=x}"], 1, "the series {service=x} is part of its rollup, sent once")
	assert.Equal(t, 3.0, got["a{service=x}"][0].Stats.Sum)
	assert.Len(t, got["a{host=1,service=x}"], 1)
	assert.Equal(t, 3.0, got["b{service=x}"][0].Stats.Sum)
	assert.NotContains(t, got, "b{host=1,service=x}")
	assert.Len(t, got, 3)
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
