// Package ingest receives StatsD datagrams and hands each parsed line to the
// aggregator.
//
// It owns the sockets (a listener per transport: udp.go, unixgram.go), their
// lifecycle (a stale Unix socket removed at start, its mode set, the file
// removed on exit; on Close, reading stops and what the kernel already holds
// is still folded), and the accounting of every datagram and line received or
// dropped. Parsing is package line's; folding is the Folder's. It never
// blocks a reader on anything but the Folder.
package ingest
