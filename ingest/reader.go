package ingest

import (
	"errors"
	"net"
	"syscall"
	"time"

	"github.com/cwagentd/cwagentd/ingest/line"
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
	r := &reader{l: l, sock: s, rc: rc, b: b, proc: newProcessor(o.NewFolder(), o.Stats, o.Drops)}
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
			r.fold(r.n, false)
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

// fold hands the n datagrams of the last batch to the processor under one
// lock, and counts them once; unread (the shutdown drain out of time)
// counts their lines as dropped instead of parsing them.
func (r *reader) fold(n int, unread bool) {
	p := &r.proc
	var lines uint64
	if unread {
		for i := range n {
			data, _ := r.b.datagram(i)
			lines += line.Count(data)
		}
		p.drops.Add(dropUnread, lines, nil)
	} else {
		p.lock()
		for i := range n {
			lines += p.parseLines(r.b.datagram(i))
		}
		p.unlock()
	}
	p.stats.Datagrams.Add(uint64(n))
	p.stats.Lines.Add(lines)
	// The kernel's drop counter only grows, and once non-zero it comes
	// with every datagram: the last one's is the batch's news.
	if drops, ok := r.b.drops(n - 1); ok {
		r.sock.sawDrops(drops)
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
			r.fold(n, time.Now().After(deadline))
		}
	})
}
