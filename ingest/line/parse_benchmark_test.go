package line

import "testing"

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, line string }{
		{"counter", "api.requests:1|c"},
		{"counter_tags", "api.requests:1|c|@0.5|#env:prod,svc:api,az:use1a"},
		{"timer_decimal", "api.latency:123.456|ms|#env:prod,svc:api,az:use1a"},
		{"packed_timer", "api.latency:1:2:3:4:5:6:7:8|ms"},
		{"long_number", "api.bytes:12345678901234567890|c"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			in := []byte(bc.line)
			var s Sample
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if Parse(in, &s) != OK {
					b.Fatal("parse failed")
				}
			}
		})
	}
}
