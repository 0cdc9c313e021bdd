package ingest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
)

// BenchmarkParseAndFoldDatagrams is the hot path as the agent runs it: a
// reader's processor splits packed 1432-byte datagrams, parses each line and
// folds it into its own aggregator Local (one lock per datagram), cycling
// over n live series of three tags. This is issue 3's "parse + fold" figure.
func BenchmarkParseAndFoldDatagrams(b *testing.B) {
	for _, n := range []int{1_000, 100_000} {
		for _, typ := range []string{"c", "ms", "g"} {
			b.Run(fmt.Sprintf("series=%d/type=%s", n, typ), func(b *testing.B) {
				var datagrams [][]byte
				var sb strings.Builder
				lines := 0
				for i := range n {
					l := fmt.Sprintf("app.request.%d:%d|%s|#env:prod,svc:api%d,az:use1a\n", i, i%100, typ, i%7)
					if sb.Len()+len(l) > 1432 {
						datagrams = append(datagrams, []byte(sb.String()))
						sb.Reset()
					}
					sb.WriteString(l)
					lines++
				}
				datagrams = append(datagrams, []byte(sb.String()))
				agg := aggregate.New(aggregate.Options{Period: time.Minute, GaugeTTL: time.Minute})
				p := newProcessor(agg.NewFolder(), &Stats{}, NewLineDrops(nil))
				for _, d := range datagrams { // every series exists: the steady state
					p.lines(d, false)
				}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					p.lines(datagrams[i], false)
					if i++; i == len(datagrams) {
						i = 0
					}
				}
				perDatagram := float64(lines) / float64(len(datagrams))
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/(float64(b.N)*perDatagram), "ns/line")
			})
		}
	}
}
