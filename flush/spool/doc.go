// Package spool is the flusher's write-ahead log: PutMetricData requests that
// CloudWatch has not accepted yet, kept on disk so that an outage plus an
// agent restart (a clean stop, SIGKILL, or a crash in the middle of a write)
// loses nothing CloudWatch would still take (it accepts data up to 14 days
// old).
//
// It owns one directory: the segment files, a LOCK file (flock) that keeps a
// second agent out, and the bounds on what they hold (MaxBytes, MaxAge). It
// never interprets a record's bytes, never talks to the network and never
// decides when to retry: the flusher Appends a request before it leaves
// memory, sends it, Acks it once CloudWatch accepted it, and at start reads
// Pending (oldest first) to replay.
//
// # Durability
//
//   - A record is on disk when Append returns nil: its frame was written and
//     fdatasync'd, and the directory was fsync'd when the record opened a new
//     segment file.
//   - A record is never replayed after Ack returned nil: the ack frame is
//     fdatasync'd before Ack returns.
//   - A crash after CloudWatch accepted a request but before Ack returned
//     replays exactly that record once. That window is the only source of
//     duplicates.
//   - A record the spool drops (MaxBytes "full", MaxAge "too_old") gets the
//     same durable ack frame, written in the same fdatasync as the Append that
//     forced it, so a dropped record does not come back after a restart.
//   - An Append that returned an error kept nothing: the partial frame is
//     truncated away. (Should that truncation fail too, the segment is
//     sealed; a frame that made it to disk whole may then be replayed once.)
//
// # Format
//
// Segment files are named by a 20-digit decimal number (00000000000000000001.seg)
// that is a lower bound of the IDs first written in them and grows with each
// new file. A file is an 8-byte header, "CWSPOOL" and a version byte (1),
// then frames:
//
//	type    1 byte    1 data, 2 ack
//	length  4 bytes   little-endian length of the payload
//	crc     4 bytes   little-endian CRC-32C (Castagnoli) of type, length and payload
//	payload           data: ID (8, LE), Time in unix nanoseconds (8, LE), the record's bytes
//	                  ack:  1 to 4096 IDs (8 each, LE): records acked or dropped
//
// A data payload is at most 16 MiB and an ack payload at most 32 KiB, and no
// length may point past the end of the file, so garbage cannot make Open
// allocate more than that.
//
// # Recovery
//
// Open scans every segment in name order and verifies every CRC. The first
// frame that does not verify ends its segment: there is no resync, because a
// length that cannot be trusted may point anywhere and hunting for the next
// frame that verifies could resurrect a frame that is part of a record's
// bytes. In the last segment that frame is a torn tail and is truncated away,
// so new appends follow valid data; in an earlier segment the rest of the
// file is skipped. Either way Stats counts one "corrupt" range and its bytes.
// A file of a newer format version (after a downgrade) is counted the same
// way but left untouched: never read, truncated or deleted. Open fails only
// when the directory cannot be used (locked, unreadable, unwritable), never
// because of what the files hold.
//
// # Space
//
// MaxBytes bounds the live records (their frames); an Append past it drops the
// oldest live records. A segment file is deleted once none of its records is
// live and none of its ack frames is still needed (an ack is needed while the
// record it acks sits in an older file that still exists). A file that got a
// record's copy from compaction counts as holding that record's ack: it stays
// while the file of the original does. So that one
// request CloudWatch keeps refusing cannot pin every later file for 14 days,
// the live records of the oldest file are copied forward (same ID and Time;
// the later copy wins at Open) once the files hold more than twice the live
// bytes plus two segments. The files thus stay below about
// 2*MaxBytes + 3*SegmentBytes, as long as deleting and compacting work:
// Stats.TidyFailures counts their failures (each is retried by later writes).
//
// # Concurrency
//
// A Spool is safe for concurrent use. Writes (Append, Ack) are serialized and
// each pays one fdatasync; Pending, Read and Stats do not wait for it.
package spool
