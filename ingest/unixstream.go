package ingest

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// StreamListener accepts newline-delimited StatsD lines on a Unix stream
// socket (listen.unix), for clients that want backpressure instead of
// drops: a connection is read by its own goroutine into its own buffer, and
// a client faster than the agent blocks in write.
type StreamListener struct {
	ln      *net.UnixListener
	path    string
	o       Options
	stats   *Stats
	folders []Folder // connection i uses folders[i%len]
	next    int      // accept loop only

	mu    sync.Mutex
	conns map[*net.UnixConn]struct{}

	stopping   atomic.Bool
	drainUntil atomic.Int64  // unix nanos; set before stopping
	accepting  chan struct{} // closed when the accept loop returns
	wg         sync.WaitGroup
	once       sync.Once
}

// ListenUnix binds a Unix stream socket at path with the given mode and
// starts accepting clients. The path is handled like ListenUnixgram's: the
// directory is created, a stale socket replaced, a live one or a regular
// file refused, the file removed on Close.
func ListenUnix(path string, mode os.FileMode, o Options) (*StreamListener, error) {
	ln, err := bindSocketFile("listen.unix", "unix", path, mode, func(a *net.UnixAddr) (*net.UnixListener, error) {
		return net.ListenUnix("unix", a)
	})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false) // Close removes it first, so that new clients fail fast
	l := &StreamListener{ln: ln, path: path, o: o, stats: o.Stats,
		conns: map[*net.UnixConn]struct{}{}, accepting: make(chan struct{})}
	for range max(1, o.Readers) {
		l.folders = append(l.folders, o.NewFolder())
	}
	go l.accept()
	return l, nil
}

// Addr returns the socket's path.
func (l *StreamListener) Addr() string { return l.path }

func (l *StreamListener) accept() {
	defer close(l.accepting)
	for {
		c, err := l.ln.AcceptUnix()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil { // EMFILE and the like: the next accept may succeed
			time.Sleep(10 * time.Millisecond)
			continue
		}
		l.stats.Connections.Add(1)
		l.mu.Lock()
		l.conns[c] = struct{}{}
		l.mu.Unlock()
		l.wg.Add(1)
		go l.serve(c, l.folders[l.next%len(l.folders)])
		l.next++
	}
}

// serve folds one client's lines until it hangs up or Close drains it.
func (l *StreamListener) serve(c *net.UnixConn, f Folder) {
	defer l.wg.Done()
	lb := lineBuffers.Get().(*lineBuffer)
	lb.reset(newProcessor(f, l.stats, l.o.Drops))
	defer lb.release()
	defer func() {
		l.mu.Lock()
		delete(l.conns, c)
		l.mu.Unlock()
		c.Close()
	}()
	for {
		n, err := c.Read(lb.free())
		lb.add(n)
		switch {
		case err == nil:
			continue
		case errors.Is(err, io.EOF):
			lb.end()
		case l.stopping.Load():
			if l.drain(c, lb) {
				lb.end()
			} else {
				lb.cut()
			}
		default: // reset by the client: what it did not finish is cut
			lb.cut()
		}
		return
	}
}

// drain reads what the kernel holds for c without waiting for more, and
// reports whether the client had hung up.
func (l *StreamListener) drain(c *net.UnixConn, lb *lineBuffer) (eof bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return false
	}
	deadline := time.Unix(0, l.drainUntil.Load())
	_ = rc.Control(func(fd uintptr) {
		for !time.Now().After(deadline) {
			n, err := readNonblock(fd, lb.free())
			if err != nil {
				return
			}
			if n == 0 {
				eof = true
				return
			}
			lb.add(n)
		}
	})
	return eof
}

// acceptBacklog waits (for at most DrainBudget) until the accept loop has
// taken the clients that connected before the socket file was removed:
// closing the listener would reset them, losing what they wrote.
func (l *StreamListener) acceptBacklog() {
	rc, err := l.ln.SyscallConn()
	if err != nil {
		return
	}
	for deadline := time.Now().Add(DrainBudget); time.Now().Before(deadline); {
		pending := false
		_ = rc.Control(func(fd uintptr) {
			p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			n, err := unix.Poll(p, 0)
			pending = err == nil && n > 0
		})
		if !pending {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// Close stops accepting, removes the socket file, folds what connected
// clients have already written (for at most DrainBudget; a line they left
// half-written is dropped as truncated), then closes their connections.
// Nothing is folded after it returns. It is safe to call more than once.
func (l *StreamListener) Close() error {
	var err error
	l.once.Do(func() {
		os.Remove(l.path) // no new client can connect by path from now on
		l.acceptBacklog()
		err = l.ln.Close()
		<-l.accepting
		l.drainUntil.Store(time.Now().Add(DrainBudget).UnixNano())
		l.stopping.Store(true)
		l.mu.Lock()
		for c := range l.conns {
			_ = c.SetReadDeadline(time.Now()) // wakes its reader, which drains it
		}
		l.mu.Unlock()
		l.wg.Wait()
	})
	return err
}
