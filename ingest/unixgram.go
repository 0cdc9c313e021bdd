package ingest

import (
	"fmt"
	"net"
	"os"
)

// ListenUnixgram binds a Unix datagram socket at path with the given mode
// and starts folding what arrives, with Options.Readers goroutines sharing
// the socket. A stale socket file (no one listening) is replaced; a live
// one or a non-socket file is an error. The parent directory is created
// (0755) if missing.
//
// A Unix datagram socket never drops for want of room: a blocking sender
// waits, a non-blocking one gets EAGAIN. Stats.KernelDrops stays 0.
func ListenUnixgram(path string, mode os.FileMode, o Options) (*Listener, error) {
	conn, err := bindSocketFile("listen.unixgram", "unixgram", path, mode, func(a *net.UnixAddr) (*net.UnixConn, error) {
		return net.ListenUnixgram("unixgram", a)
	})
	if err != nil {
		return nil, err
	}
	l := &Listener{
		socks:   []*socket{{conn: conn, stats: o.Stats}},
		addr:    path,
		cleanup: func() { os.Remove(path) },
	}
	l.readBuffer = setReadBuffer(conn, o.ReadBuffer, "unixgram "+path, o.Log)
	if err := l.start(o, false); err != nil {
		conn.Close()
		os.Remove(path)
		return nil, fmt.Errorf("listen.unixgram %q: %w; report a bug", path, err)
	}
	return l, nil
}
