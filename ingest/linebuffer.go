package ingest

import (
	"bytes"
	"sync"
	"syscall"
)

// MaxLine is the longest line a stream client may send; a longer one is
// dropped as line_too_long, and the lines after it still count.
const MaxLine = 64 << 10

// initialLineBuffer is a connection's buffer until it needs more: an idle
// client costs 4 KiB, not 64.
const initialLineBuffer = 4 << 10

// lineBuffer splits one stream connection's bytes into lines.
type lineBuffer struct {
	buf      []byte // grows to MaxLine+1: a full buffer without '\n' is a line too long
	filled   int
	skipping bool // inside a line too long: discard up to its '\n'
	proc     processor
}

// lineBuffers keeps connection buffers for the next clients.
var lineBuffers = sync.Pool{New: func() any { return &lineBuffer{buf: make([]byte, initialLineBuffer)} }}

// release returns b to the pool at its initial size.
func (b *lineBuffer) release() {
	if len(b.buf) > initialLineBuffer {
		b.buf = make([]byte, initialLineBuffer)
	}
	lineBuffers.Put(b)
}

func (b *lineBuffer) reset(p processor) {
	b.filled, b.skipping, b.proc = 0, false, p
}

// free is where the next read goes; a full buffer grows (doubling) until it
// can hold the longest line allowed.
func (b *lineBuffer) free() []byte {
	if b.filled == len(b.buf) && len(b.buf) <= MaxLine {
		nb := make([]byte, min(2*len(b.buf), MaxLine+1))
		copy(nb, b.buf[:b.filled])
		b.buf = nb
	}
	return b.buf[b.filled:]
}

// add takes n bytes just read into free() and folds every complete line.
func (b *lineBuffer) add(n int) {
	if n <= 0 {
		return
	}
	b.proc.stats.Datagrams.Add(1) // for a stream, its reads
	start := b.filled
	b.filled += n
	if b.skipping {
		i := bytes.IndexByte(b.buf[start:b.filled], '\n')
		if i < 0 {
			b.filled = 0
			return
		}
		b.skipping = false
		b.filled = copy(b.buf, b.buf[start+i+1:b.filled])
		start = 0
	}
	last := bytes.LastIndexByte(b.buf[start:b.filled], '\n')
	if last < 0 {
		if b.filled == MaxLine+1 {
			b.proc.stats.Lines.Add(1)
			b.proc.drops.Add(dropLineTooLong, 1, b.buf)
			b.filled, b.skipping = 0, true
		}
		return
	}
	last += start
	b.proc.lines(b.buf[:last], false)
	b.filled = copy(b.buf, b.buf[last+1:b.filled])
}

// end folds the last line of a client that hung up without a final '\n'.
func (b *lineBuffer) end() {
	if !b.skipping && b.filled > 0 {
		b.proc.lines(b.buf[:b.filled], false)
	}
	b.filled = 0
}

// cut drops the line a client left unfinished (shutdown, reset).
func (b *lineBuffer) cut() {
	if !b.skipping && b.filled > 0 {
		b.proc.lines(b.buf[:b.filled], true)
	}
	b.filled = 0
}

// readNonblock reads from a non-blocking socket: n == 0 is end of stream,
// and EAGAIN (nothing more now) is an error.
func readNonblock(fd uintptr, p []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), p)
		if err == syscall.EINTR {
			continue
		}
		return n, err
	}
}
