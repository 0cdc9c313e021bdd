package ingest

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// stopArrivals makes the queue of a socket being closed finite, so that the
// drain can empty it and nothing accepted is destroyed uncounted by close(2):
// a UDP socket gets a drop-everything filter (later datagrams become kernel
// drops, which finalDrops reads), a Unix socket is shut for reading (later
// senders get EPIPE). What was queued before stays readable.
func (s *socket) stopArrivals(isUnix bool) {
	rc, err := s.conn.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		if isUnix {
			_ = syscall.Shutdown(int(fd), syscall.SHUT_RD)
			return
		}
		dropAll := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
		_ = unix.SetsockoptSockFprog(int(fd), unix.SOL_SOCKET, unix.SO_ATTACH_FILTER,
			&unix.SockFprog{Len: uint16(len(dropAll)), Filter: &dropAll[0]})
	})
}
