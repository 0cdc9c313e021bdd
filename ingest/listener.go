package ingest

import (
	"errors"
	"github.com/cwagentd/cwagentd/internal/drops"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DrainBudget bounds how long Close keeps folding what the kernel holds.
const DrainBudget = 2 * time.Second

// datagramConn is what both datagram transports offer.
type datagramConn interface {
	SetReadDeadline(t time.Time) error
	SyscallConn() (syscall.RawConn, error)
	Close() error
}

// Listener reads one datagram endpoint (a UDP address or a Unix datagram
// path) with Options.Readers goroutines, each folding batches of datagrams
// read with recvmmsg(2).
type Listener struct {
	socks      []*socket
	readers    int
	addr       string
	cleanup    func() // removes a Unix socket file; nil for UDP
	readBuffer int    // bytes the kernel granted (per socket)

	stopping   atomic.Bool
	drainUntil atomic.Int64   // unix nanos; set before stopping
	readErrors *drops.Counter // socket errors other than EAGAIN/EINTR, logged at a bounded rate
	wg         sync.WaitGroup
	once       sync.Once
}

// Addr returns the address the listener is bound to.
func (l *Listener) Addr() string { return l.addr }

// ReadBuffer returns the receive buffer the kernel granted, in bytes.
func (l *Listener) ReadBuffer() int { return l.readBuffer }

// Readers returns how many goroutines read the listener's sockets.
func (l *Listener) Readers() int { return l.readers }

// start runs o.Readers readers: one per socket when there are as many
// sockets (UDP with SO_REUSEPORT), else all on the one socket.
func (l *Listener) start(o Options, withOOB bool) error {
	l.readers = max(1, o.Readers)
	l.readErrors = drops.New(o.Log, "reading "+l.addr+" failed; retrying with backoff", []string{"errors"})
	rs := make([]*reader, l.readers)
	for i := range rs {
		var err error
		if rs[i], err = newReader(l, l.socks[i%len(l.socks)], o, withOOB); err != nil {
			for _, r := range rs[:i] {
				r.b.free()
			}
			return err
		}
	}
	l.wg.Add(len(rs))
	for _, r := range rs {
		go r.run()
	}
	return nil
}

// Close stops reading, folds what the sockets already hold (for at most
// DrainBudget), closes them and removes the socket file. Nothing is folded
// after it returns. It is safe to call more than once.
func (l *Listener) Close() error {
	var errs []error
	l.once.Do(func() {
		if l.cleanup != nil {
			l.cleanup() // first, so new senders fail fast instead of queueing
		}
		for _, s := range l.socks {
			s.stopArrivals(l.cleanup != nil)
		}
		l.drainUntil.Store(time.Now().Add(DrainBudget).UnixNano())
		l.stopping.Store(true)
		// Wakes readers waiting for data; a reader that looks after the
		// flag was set never waits again, so none can sleep through this.
		for _, s := range l.socks {
			_ = s.conn.SetReadDeadline(time.Now())
		}
		l.wg.Wait()
		for _, s := range l.socks {
			s.finalDrops()
			errs = append(errs, s.conn.Close())
		}
	})
	return errors.Join(errs...)
}

// closeSocks releases what a failed constructor had opened.
func closeSocks(socks []*socket) {
	for _, s := range socks {
		_ = s.conn.Close()
	}
}

// removeIfSocket removes path if it is a socket, and reports an error if it
// is anything else (never delete a user's file).
func removeIfSocket(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode()&os.ModeSocket == 0:
		return errors.New("exists and is not a socket")
	}
	return os.Remove(path)
}
