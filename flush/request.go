package flush

import (
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
)

// Request is one PutMetricData call: datums of one namespace sharing a
// timestamp and storage resolution.
type Request struct {
	Namespace  string
	Timestamp  time.Time
	Resolution int
	Datums     []aggregate.Datum
	size       int // encoded body bytes, kept in step with Datums by the packer
}

// Size returns the request's encoded body size in bytes.
func (r *Request) Size() int { return r.size }

// split halves a request for bisection.
func (r *Request) split() (a, b *Request) {
	h := len(r.Datums) / 2
	a = &Request{Namespace: r.Namespace, Timestamp: r.Timestamp, Resolution: r.Resolution, Datums: r.Datums[:h]}
	b = &Request{Namespace: r.Namespace, Timestamp: r.Timestamp, Resolution: r.Resolution, Datums: r.Datums[h:]}
	a.size, b.size = a.computeSize(), b.computeSize()
	return a, b
}

func (r *Request) computeSize() int {
	n := requestOverhead(r.Namespace)
	for i := range r.Datums {
		n += datumSize(&r.Datums[i], r.Resolution)
	}
	return n
}
