package aggregate

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// BenchmarkParseAndFold is the per-line cost of the hot path for series
// already seen: parse one line, fold it. Lines cycle over n live series with
// three tags each, as many hosts' apps send.
func BenchmarkParseAndFold(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		for _, typ := range []string{"c", "ms", "g"} {
			b.Run(fmt.Sprintf("series=%d/type=%s", n, typ), func(b *testing.B) {
				lines := make([][]byte, n)
				for i := range lines {
					lines[i] = fmt.Appendf(nil, "app.request.%d:%d|%s|#env:prod,svc:api%d,az:use1a", i, i%100, typ, i%7)
				}
				a := New(Options{Period: time.Minute, GaugeTTL: time.Minute})
				var s line.Sample
				for _, l := range lines { // the series exist: measure the steady state
					line.Parse(l, &s)
					a.Fold(&s)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if line.Parse(lines[i], &s) != line.OK {
						b.Fatal("parse")
					}
					a.Fold(&s)
					if i++; i == n {
						i = 0
					}
				}
			})
		}
	}
}

// BenchmarkClose is the cost of turning a period of n series into a Batch.
func BenchmarkClose(b *testing.B) {
	const n = 10_000
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, "app.request.%d:%d|ms|#env:prod", i, i%100)
	}
	benchPeriods(b, Options{}, lines)
}

// benchPeriods folds lines into a period from scratch and closes it, once
// per op, with o's rules.
func benchPeriods(b *testing.B, o Options, lines [][]byte) {
	now := time.Unix(1_800_000_000, 0)
	o.Period, o.Now = time.Minute, func() time.Time { return now }
	a := New(o)
	var s line.Sample
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			line.Parse(l, &s)
			a.Fold(&s)
		}
		now = now.Add(time.Minute)
		a.Close(now)
	}
}

// BenchmarkCloseWithRules is a period of 10,000 counter series under the
// issue-5 rules (static dimensions, a rename, an allow list, a unit rule and
// two rollups), folded from scratch and closed: the slow path the rules
// live on, once per series and period.
func BenchmarkCloseWithRules(b *testing.B) {
	const n = 10_000
	lines := make([][]byte, n)
	for i := range lines {
		lines[i] = fmt.Appendf(nil, "api.request.%d:1|c|#env:prod,svc:api%d,host:h%d,request_id:%d", i%100, i%7, i%13, i)
	}
	benchPeriods(b, Options{Rules: Rules{
		Static:  []Dimension{{"Environment", "prod"}, {"Team", "core"}},
		Rename:  map[string]string{"svc": "service"},
		Tags:    []TagRule{{Metrics: "*", Deny: []string{"request_id"}}},
		Units:   []UnitRule{{Metrics: "*.bytes", Unit: "Bytes"}},
		Rollups: []Rollup{{Metrics: "api.*", Dimensions: [][]string{{}, {"service"}}}},
	}}, lines)
}

// BenchmarkCloseWide closes 100 timer series of 2,000 distinct values each
// (from 1 to 10^5): the bucketed distributions go out as several datums.
func BenchmarkCloseWide(b *testing.B) {
	const series, values = 100, 2_000
	var lines [][]byte
	for i := range series {
		for j := range values {
			lines = append(lines, fmt.Appendf(nil, "lat.%d:%g|ms", i, math.Pow(10, 5*float64(j)/values)))
		}
	}
	benchPeriods(b, Options{}, lines)
}
