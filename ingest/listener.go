package ingest

import (
	"errors"
	"net"
	"os"
	"sync"
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

// Listener reads one datagram socket with one goroutine.
type Listener struct {
	conn       datagramConn
	read       func(buf []byte) (n int, truncated bool, err error)
	proc       processor
	addr       string
	cleanup    func() // removes a Unix socket file; nil for UDP
	readBuffer int    // bytes the kernel granted

	stopping chan struct{}
	done     chan struct{}
	once     sync.Once
}

// Addr returns the address the listener is bound to.
func (l *Listener) Addr() string { return l.addr }

// ReadBuffer returns the receive buffer the kernel granted, in bytes.
func (l *Listener) ReadBuffer() int { return l.readBuffer }

func (l *Listener) start() {
	l.stopping, l.done = make(chan struct{}), make(chan struct{})
	go l.serve()
}

func (l *Listener) serve() {
	defer close(l.done)
	buf := make([]byte, MaxDatagram+1)
	for {
		n, truncated, err := l.read(buf)
		if n > 0 {
			l.proc.datagram(buf[:n], truncated || n > MaxDatagram)
		}
		if err == nil {
			continue
		}
		select {
		case <-l.stopping:
			l.drain(buf)
			return
		default:
		}
		if errors.Is(err, net.ErrClosed) {
			return
		}
		// Transient errors (e.g. ICMP-induced ECONNREFUSED) must not end ingest.
	}
}

// drain folds what the kernel already holds, without blocking: after Close
// has started, nothing new is waited for, but nothing queued is lost.
func (l *Listener) drain(buf []byte) {
	rc, err := l.conn.SyscallConn()
	if err != nil {
		return
	}
	// RawConn.Read refuses to run at all past the deadline that woke us.
	_ = l.conn.SetReadDeadline(time.Time{})
	deadline := time.Now().Add(DrainBudget)
	_ = rc.Read(func(fd uintptr) bool {
		for i := 1; ; i++ {
			n, _, flags, _, err := syscall.Recvmsg(int(fd), buf[:MaxDatagram], nil, syscall.MSG_DONTWAIT)
			if err != nil {
				return true // EAGAIN: empty
			}
			l.proc.datagram(buf[:n], flags&syscall.MSG_TRUNC != 0)
			// Senders faster than this reader would keep the socket from
			// ever being empty: the shutdown deadline matters more.
			if i%64 == 0 && time.Now().After(deadline) {
				return true
			}
		}
	})
}

// Close stops reading, folds what the socket already holds, closes it and
// removes its file. It is safe to call more than once.
func (l *Listener) Close() error {
	var err error
	l.once.Do(func() {
		if l.cleanup != nil {
			l.cleanup() // first, so new senders fail fast instead of queueing
		}
		close(l.stopping)
		_ = l.conn.SetReadDeadline(time.Now())
		<-l.done
		err = l.conn.Close()
	})
	return err
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
