package ingest

import (
	"context"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// ListenUDP binds addr (host:port) and starts folding what arrives. With
// Options.Readers > 1 it binds that many sockets to the same address with
// SO_REUSEPORT, one per reader, and the kernel spreads senders over them by
// a hash of their address: one sender (one source port) still lands on one
// socket, so readers help when there are several senders.
func ListenUDP(addr string, o Options) (*Listener, error) {
	ua, err := net.ResolveUDPAddr("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen.udp %q: %w", addr, err)
	}
	readers := max(1, o.Readers)
	if readers > 1 {
		// SO_REUSEPORT would silently share the port with another agent
		// (of the same user) that already has it: bind once without it to
		// find out, and to pick the port when addr asks for any (":0").
		probe, err := net.ListenUDP("udp", ua)
		if err != nil {
			return nil, inUse(addr, err)
		}
		ua = probe.LocalAddr().(*net.UDPAddr)
		probe.Close()
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		if readers == 1 {
			return nil
		}
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	l := &Listener{}
	for range readers {
		pc, err := lc.ListenPacket(context.Background(), "udp", ua.String())
		if err != nil {
			closeSocks(l.socks)
			return nil, inUse(addr, err)
		}
		conn := pc.(*net.UDPConn)
		l.socks = append(l.socks, &socket{conn: conn, stats: o.Stats})
		rc, err := conn.SyscallConn()
		if err == nil {
			err = enableDropCount(rc)
		}
		if err != nil {
			closeSocks(l.socks)
			return nil, fmt.Errorf("listen.udp %q: SO_RXQ_OVFL: %w", addr, err)
		}
		ua = conn.LocalAddr().(*net.UDPAddr)
		l.readBuffer = setReadBuffer(conn, o.ReadBuffer, "udp "+ua.String(), o.Log)
	}
	l.addr = ua.String()
	if err := l.start(o, true); err != nil {
		closeSocks(l.socks)
		return nil, fmt.Errorf("listen.udp %q: %w", addr, err)
	}
	return l, nil
}

func inUse(addr string, err error) error {
	return fmt.Errorf("listen.udp %q: %w; is another StatsD agent on that port? set listen.udp to a free address or \"\" to disable", addr, err)
}
