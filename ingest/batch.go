package ingest

import (
	"fmt"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// BatchSize is how many datagrams one recvmmsg(2) call may return. Each
// has a MaxDatagram+1 buffer allocated once per reader: 64 x 64 KiB = 4 MiB
// of address space, of which only the pages the kernel writes become
// resident (a 1.4 KiB datagram touches one page of its slot). The slots are
// mapped outside the Go heap: in it, the garbage collector would count all
// 4 MiB as live and let the heap grow by GOGC percent of it more before
// collecting.
const BatchSize = 64

// mmsghdr is struct mmsghdr of recvmmsg(2); x/sys/unix has no such type.
// Go pads it like C does (8 bytes on 64-bit platforms, 4 on 32-bit).
type mmsghdr struct {
	hdr unix.Msghdr
	len uint32
}

// batch is the memory of one reader's recvmmsg calls, allocated once.
type batch struct {
	hdrs []mmsghdr
	iovs []unix.Iovec
	bufs []byte // BatchSize slots of slot bytes
	oob  []byte // BatchSize slots of oobSlot bytes; nil without SO_RXQ_OVFL
}

const (
	slot    = MaxDatagram // a longer datagram comes back cut, with MSG_TRUNC
	oobSlot = 64          // room for the SO_RXQ_OVFL cmsg (24 bytes on 64-bit)
)

// newBatch allocates a reader's buffers; free gives them back. withOOB asks
// for per-message control data (the kernel's drop counter, SO_RXQ_OVFL).
func newBatch(withOOB bool) (*batch, error) {
	bufs, err := unix.Mmap(-1, 0, BatchSize*slot, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		return nil, fmt.Errorf("mapping %d KiB of receive buffers: %w", BatchSize*slot/1024, err)
	}
	b := &batch{
		hdrs: make([]mmsghdr, BatchSize),
		iovs: make([]unix.Iovec, BatchSize),
		bufs: bufs,
	}
	if withOOB {
		b.oob = make([]byte, BatchSize*oobSlot)
	}
	for i := range b.hdrs {
		b.iovs[i].Base = &b.bufs[i*slot]
		b.iovs[i].SetLen(slot)
		h := &b.hdrs[i].hdr
		h.Iov = &b.iovs[i]
		h.SetIovlen(1)
		if b.oob != nil {
			h.Control = &b.oob[i*oobSlot]
		}
	}
	return b, nil
}

// free unmaps the datagram slots; nothing may read them after.
func (b *batch) free() {
	if b.bufs != nil {
		_ = unix.Munmap(b.bufs) // only fails for a range never mapped
		b.bufs = nil
	}
}

// recv reads up to BatchSize datagrams from fd without blocking. It returns
// how many it read, or the errno (EAGAIN when the queue is empty).
func (b *batch) recv(fd uintptr) (int, syscall.Errno) {
	if b.oob != nil {
		for i := range b.hdrs {
			b.hdrs[i].hdr.SetControllen(oobSlot) // the kernel overwrote it
		}
	}
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.hdrs[0])), uintptr(len(b.hdrs)),
		unix.MSG_DONTWAIT, 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), 0
}

// datagram returns the i-th datagram of the last recv and whether the
// kernel cut it short.
func (b *batch) datagram(i int) (data []byte, truncated bool) {
	h := &b.hdrs[i]
	return b.bufs[i*slot : i*slot+min(int(h.len), slot)], h.hdr.Flags&unix.MSG_TRUNC != 0
}

// drops returns the socket's drop counter that came with the i-th datagram
// of the last recv, if the kernel sent it.
func (b *batch) drops(i int) (uint32, bool) {
	if b.oob == nil || i < 0 {
		return 0, false
	}
	return rxqOverflow(b.oob[i*oobSlot:(i+1)*oobSlot], int(b.hdrs[i].hdr.Controllen))
}

// rxqOverflow reads the SO_RXQ_OVFL control message: the socket's
// cumulative count of datagrams dropped for want of room. The kernel sends
// it only once the count is non-zero, and it is the only cmsg asked for.
func rxqOverflow(oob []byte, n int) (uint32, bool) {
	if n < unix.CmsgSpace(4) {
		return 0, false
	}
	h := (*unix.Cmsghdr)(unsafe.Pointer(&oob[0]))
	if h.Level != unix.SOL_SOCKET || h.Type != unix.SO_RXQ_OVFL {
		return 0, false
	}
	return *(*uint32)(unsafe.Pointer(&oob[unix.CmsgLen(0)])), true
}
