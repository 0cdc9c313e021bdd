package ingest

import (
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// socket is one datagram socket and the kernel's count of what it dropped.
//
// Drops are counted with SO_RXQ_OVFL: the kernel attaches its cumulative
// per-socket drop counter to each datagram received after a drop, so the
// batch reads learn it for free (no syscall, no timer, no /proc parsing
// with an inode lookup); Close reads the final count with SO_MEMINFO, for
// drops that no later datagram reported.
type socket struct {
	conn  datagramConn
	stats *Stats
	seen  atomic.Uint32 // the kernel's counter (uint32, wraps) as last seen
}

// enableDropCount asks for SO_RXQ_OVFL on a socket being set up.
func enableDropCount(rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// sawDrops adds to Stats.KernelDrops what the kernel's counter grew since
// it was last seen. The counter is 32 bits and may wrap: the difference is
// taken modulo 2^32, and a value older than the last seen one is ignored.
func (s *socket) sawDrops(v uint32) {
	for {
		old := s.seen.Load()
		d := v - old
		if d == 0 || d > 1<<31 {
			return
		}
		if s.seen.CompareAndSwap(old, v) {
			s.stats.KernelDrops.Add(uint64(d))
			return
		}
	}
}

// finalDrops reads the socket's drop counter once more (SO_MEMINFO), for
// the drops after the last datagram read.
func (s *socket) finalDrops() {
	rc, err := s.conn.SyscallConn()
	if err != nil {
		return
	}
	_ = rc.Control(func(fd uintptr) {
		var mi [unix.SK_MEMINFO_VARS]uint32
		n := uint32(unsafe.Sizeof(mi))
		_, _, errno := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&mi)), uintptr(unsafe.Pointer(&n)), 0)
		if errno == 0 && n > unix.SK_MEMINFO_DROPS*4 {
			s.sawDrops(mi[unix.SK_MEMINFO_DROPS])
		}
	})
}
