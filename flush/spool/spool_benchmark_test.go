package spool

import (
	"testing"
	"time"
)

const benchRecord = 100 << 10 // a large PutMetricData request

// BenchmarkAppend100KiB is one durable Append: write and fdatasync (a new
// segment, with a directory fsync, every 40 records). Records are acked
// off the clock every 64 so the disk does not fill.
func BenchmarkAppend100KiB(b *testing.B) {
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, benchRecord)
	now := time.Now()
	var ids []ID
	b.SetBytes(benchRecord)
	b.ReportAllocs()
	for b.Loop() {
		id, err := s.Append(now, data)
		if err != nil {
			b.Fatal(err)
		}
		if ids = append(ids, id); len(ids) == 64 {
			b.StopTimer()
			if err := s.Ack(ids...); err != nil {
				b.Fatal(err)
			}
			ids = ids[:0]
			b.StartTimer()
		}
	}
}

// BenchmarkAck is one durable Ack of a 100 KiB record: an ack frame, its
// fdatasync, and every 40 acks the deletion of a segment. The records are
// appended off the clock, 64 at a time, so the disk does not fill.
func BenchmarkAck(b *testing.B) {
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, benchRecord)
	now := time.Now()
	var ids []ID
	b.ReportAllocs()
	for b.Loop() {
		if len(ids) == 0 {
			b.StopTimer()
			for range 64 {
				id, err := s.Append(now, data)
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, id)
			}
			b.StartTimer()
		}
		if err := s.Ack(ids[0]); err != nil {
			b.Fatal(err)
		}
		ids = ids[1:]
	}
}

// BenchmarkAppendAck100KiB is the flusher's steady state: each request is
// appended, sent, and acked.
func BenchmarkAppendAck100KiB(b *testing.B) {
	s, err := Open(Options{Dir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	data := make([]byte, benchRecord)
	now := time.Now()
	b.SetBytes(benchRecord)
	b.ReportAllocs()
	for b.Loop() {
		id, err := s.Append(now, data)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Ack(id); err != nil {
			b.Fatal(err)
		}
	}
}
