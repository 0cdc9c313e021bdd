package flush

import (
	"github.com/cwagentd/cwagentd/aggregate"
)

// CloudWatch's per-request limits. The byte limit is applied to the
// uncompressed body, so it holds whether CloudWatch counts it before or after
// gzip (CLOUDWATCH.md).
const (
	MaxDatums = 1000
	MaxBytes  = 1_000_000
)

// pack splits a batch into as few requests as the limits allow, in order.
// The requests' datums are subslices of the batch's: a period of 100k
// series is not copied again on its way out.
func pack(namespace string, b aggregate.Batch, maxDatums, maxBytes int) []*Request {
	var out []*Request
	var r *Request
	overhead := requestOverhead(namespace)
	first := 0
	for i := range b.Datums {
		n := datumSize(&b.Datums[i], b.Resolution)
		if r == nil || i-first == maxDatums || r.size+n > maxBytes {
			r = &Request{Namespace: namespace, Timestamp: b.Start, Resolution: b.Resolution, size: overhead}
			out = append(out, r)
			first = i
		}
		r.Datums = b.Datums[first : i+1 : i+1]
		r.size += n
	}
	return out
}
