package aggregate

import (
	"fmt"
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
	now := time.Unix(1_800_000_000, 0)
	a := New(Options{Period: time.Minute, Now: func() time.Time { return now }})
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
