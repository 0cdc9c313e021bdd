package ingest

import (
	"errors"
	"net"
	"syscall"
	"time"
)

// reader is one goroutine reading a datagram socket in batches.
type reader struct {
	l    *Listener
	sock *socket
	rc   syscall.RawConn
	b    *batch
	proc processor

	// recvOnce is the RawConn.Read callback, built once: a closure made per
	// call would escape and cost an allocation per batch.
	recvOnce func(fd uintptr) bool
	n        int
	errno    syscall.Errno
}

func newReader(l *Listener, s *socket, o Options, withOOB bool) (*reader, error) {
	rc, err := s.conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	b, err := newBatch(withOOB)
	if err != nil {
		return nil, err
	}
	r := &reader{l: l, sock: s, rc: rc, b: b,
		proc: processor{folder: o.folder(), stats: o.Stats, drops: o.Drops}}
	r.recvOnce = func(fd uintptr) bool {
		r.n, r.errno = r.b.recv(fd)
		// Once Close has begun, never park: its deadline may be gone by then.
		return r.errno != syscall.EAGAIN || r.l.stopping.Load()
	}
	return r, nil
}

func (r *reader) run() {
	defer r.l.wg.Done()
	defer r.b.free()
	var pause time.Duration
	for {
		// The read lock of a shared socket is held only while receiving:
		// folding runs outside it, so the other readers receive meanwhile.
		err := r.rc.Read(r.recvOnce)
		if err == nil && r.errno == 0 {
			r.fold(r.n)
			pause = 0
			continue
		}
		if r.l.stopping.Load() {
			r.drain()
			return
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if r.errno == syscall.EINTR || r.errno == syscall.EAGAIN {
			continue
		}
		// Other errors must not end ingest (an ICMP-induced ECONNREFUSED
		// passes), nor spin a core when they persist (recvmmsg refused by a
		// seccomp profile): say so, and back off up to a second.
		pause = min(max(2*pause, 10*time.Millisecond), time.Second)
		r.l.readErrors.Add(0, 1, []byte(errnoText(err, r.errno)))
		time.Sleep(pause)
	}
}

func errnoText(err error, errno syscall.Errno) string {
	if err != nil {
		return err.Error()
	}
	return errno.Error()
}

// fold hands the n datagrams of the last batch to the processor.
func (r *reader) fold(n int) {
	r.sock.received.Add(uint64(n))
	for i := range n {
		data, truncated, drops, ok := r.b.datagram(i)
		if ok {
			r.sock.sawDrops(drops)
		}
		r.proc.datagram(data, truncated)
	}
}

// drain folds what the kernel already holds, without blocking: after Close
// has started, nothing new is waited for, but nothing queued is lost.
// Control, unlike Read, ignores the deadline that woke the reader and takes
// no read lock, so the readers of a shared socket drain it together.
func (r *reader) drain() {
	deadline := time.Unix(0, r.l.drainUntil.Load())
	_ = r.rc.Control(func(fd uintptr) {
		for {
			n, errno := r.b.recv(fd)
			switch errno {
			case 0:
			case syscall.EINTR:
				continue
			default: // EAGAIN: empty; anything else: nothing more to read
				return
			}
			// Arrivals are stopped (stopArrivals), so the queue is finite;
			// past the budget its datagrams are counted, not parsed.
			if time.Now().After(deadline) {
				r.countUnread(n)
				continue
			}
			r.fold(n)
		}
	})
}

// countUnread counts the lines of the last batch as dropped unparsed.
func (r *reader) countUnread(n int) {
	r.sock.received.Add(uint64(n))
	for i := range n {
		data, _, _, _ := r.b.datagram(i)
		r.proc.countUnread(data)
	}
}
