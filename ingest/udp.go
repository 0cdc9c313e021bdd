package ingest

import (
	"fmt"
	"net"

	"github.com/cwagentd/cwagentd/internal/drops"
)

// ListenUDP binds addr (host:port) and starts folding what arrives.
func ListenUDP(addr string, f Folder, st *Stats, d *drops.Counter) (*Listener, error) {
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
		proc: processor{folder: f, stats: st, drops: d},
		addr: conn.LocalAddr().String(),
	}
	l.start()
	return l, nil
}
