package ingest

import (
	"fmt"
	"net"
)

// ListenUDP binds addr (host:port) and starts folding what arrives.
func ListenUDP(addr string, o Options) (*Listener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen.udp %q: %w", addr, err)
	}
	conn, err := net.ListenUDP("udp", ua)
	if err != nil {
		return nil, fmt.Errorf("listen.udp %q: %w; is another StatsD agent on that port? set listen.udp to a free address or \"\" to disable", addr, err)
	}
	l := &Listener{
		conn: conn,
		read: func(b []byte) (int, bool, error) {
			n, err := conn.Read(b)
			return n, false, err
		},
		proc: processor{folder: o.Folder, stats: o.Stats, drops: o.Drops},
		addr: conn.LocalAddr().String(),
	}
	l.readBuffer = setReadBuffer(conn, o.ReadBuffer, "udp "+l.addr, o.Log)
	l.start()
	return l, nil
}
