// Package ingest receives StatsD lines and hands each parsed one to the
// aggregator.
//
// It owns the sockets (a listener per transport: udp.go, unixgram.go,
// unixstream.go), their lifecycle (a stale Unix socket removed at start, its
// mode set, the file removed on exit; on Close, reading stops and what the
// kernel already holds is still folded), and the accounting of every
// datagram, line and connection received or dropped, including what the
// kernel dropped for want of queue room (Stats.KernelDrops, UDP only: a Unix
// socket blocks its sender instead). Parsing is package line's; folding is
// the Folder's. It never blocks a reader on anything but the Folder.
//
// Datagram sockets are read in batches (recvmmsg, BatchSize datagrams per
// call, into buffers allocated once per reader: reader.go, batch.go) by
// listen.readers goroutines, each with its own parser state and Folder; over
// UDP each reader has its own SO_REUSEPORT socket, so the kernel spreads
// senders over them. A stream connection has its own goroutine and buffer
// (linebuffer.go). Nothing on the per-line path allocates
// (process_benchmark_test.go).
package ingest
