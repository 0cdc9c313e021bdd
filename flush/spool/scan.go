package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// visitor receives the frames of a segment whose CRC verified, in file order.
type visitor struct {
	data func(id ID, nanos int64, off, size int64)
	acks func(ids []ID) // ids is reused after the call
}

// scanner reads segments with buffers reused from one file to the next.
type scanner struct {
	r     *bufio.Reader
	chunk []byte
	ids   []ID
}

func newScanner() *scanner {
	return &scanner{r: bufio.NewReaderSize(nil, 64<<10), chunk: make([]byte, 64<<10)}
}

// errNewerVersion is returned for a segment of a format version this package
// does not know.
var errNewerVersion = errors.New("newer format version")

// scan reads the segment of size bytes in r and returns where its valid
// frames end: 0 when even the header is bad, size when every frame verified.
// The error is errNewerVersion or a failed read, never garbage.
func (sc *scanner) scan(r io.Reader, size int64, v visitor) (int64, error) {
	sc.r.Reset(r)
	var head [frameHeadLen]byte
	if size < headerLen {
		return 0, nil
	}
	if _, err := io.ReadFull(sc.r, head[:headerLen]); err != nil {
		return 0, tornOr(err)
	}
	if string(head[:len(magic)]) != magic || head[len(magic)] == 0 {
		return 0, nil
	}
	if head[len(magic)] > version {
		return 0, errNewerVersion
	}
	off := int64(headerLen)
	for size-off >= frameHeadLen {
		if _, err := io.ReadFull(sc.r, head[:]); err != nil {
			return off, tornOr(err)
		}
		h := parseFrameHead(head[:])
		if !h.plausible(size - off - frameHeadLen) {
			return off, nil
		}
		ok, err := sc.frame(h, head[:5], off, v)
		if err != nil || !ok {
			return off, tornOr(err)
		}
		off += frameHeadLen + h.len
	}
	return off, nil
}

// frame reads the payload of a plausible frame, verifies it and hands it to v.
func (sc *scanner) frame(h frameHead, typeLen []byte, off int64, v visitor) (bool, error) {
	sum := crc32.Checksum(typeLen, castagnoli)
	first := int64(dataPrefixLen)
	if h.typ == frameAck {
		first = h.len // at most maxAckLen, which fits in chunk
	}
	p := sc.chunk[:first]
	if _, err := io.ReadFull(sc.r, p); err != nil {
		return false, err
	}
	sum = crc32.Update(sum, castagnoli, p)
	var id ID
	var nanos int64
	if h.typ == frameData { // read before chunk is reused
		id, nanos = ID(binary.LittleEndian.Uint64(p)), int64(binary.LittleEndian.Uint64(p[8:]))
	}
	for rest := h.len - first; rest > 0; {
		c := sc.chunk[:min(rest, int64(len(sc.chunk)))]
		if _, err := io.ReadFull(sc.r, c); err != nil {
			return false, err
		}
		sum = crc32.Update(sum, castagnoli, c)
		rest -= int64(len(c))
	}
	if sum != h.crc {
		return false, nil
	}
	if h.typ == frameData {
		v.data(id, nanos, off, frameHeadLen+h.len)
		return true, nil
	}
	sc.ids = sc.ids[:0]
	for i := 0; i < len(p); i += 8 {
		sc.ids = append(sc.ids, ID(binary.LittleEndian.Uint64(p[i:])))
	}
	v.acks(sc.ids)
	return true, nil
}

// tornOr maps a short read (the file shrank while scanned) to a torn tail
// and keeps any other error.
func tornOr(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}
