package flush

import (
	"testing"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/flush/spool"
)

// fullRequest is a packed request of 1000 counters, the common case.
func fullRequest(b *testing.B) *Request {
	b.Helper()
	rs := pack("StatsD", batch(time.Now().Truncate(time.Minute), counters("c", 1000)), MaxDatums, MaxBytes)
	if len(rs) != 1 {
		b.Fatalf("%d requests, want 1", len(rs))
	}
	return rs[0]
}

// The spool's cost per request on the flush path: encode, append with
// fdatasync, and the ack (another fdatasync) once delivered.
func BenchmarkSpool_WriteAheadAndAck(b *testing.B) {
	r := fullRequest(b)
	sp, err := spool.Open(spool.Options{Dir: b.TempDir(), MaxAge: aggregate.MaxAge})
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()
	b.SetBytes(int64(len(appendRequest(nil, r))))
	b.ReportAllocs()
	for b.Loop() {
		id, err := sp.Append(r.Timestamp, appendRequest(nil, r))
		if err != nil {
			b.Fatal(err)
		}
		if err := sp.Ack(id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecord_Encode(b *testing.B) {
	r := fullRequest(b)
	buf := appendRequest(nil, r)
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() { // as writeAhead does: into the buffer of the last record
		buf = appendRequest(buf[:0], r)
	}
}

func BenchmarkRecord_Decode(b *testing.B) {
	data := appendRequest(nil, fullRequest(b))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRequest(data); err != nil {
			b.Fatal(err)
		}
	}
}
