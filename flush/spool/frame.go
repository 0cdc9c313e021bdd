package spool

import (
	"encoding/binary"
	"hash/crc32"
)

// The on-disk layout; doc.go describes it.
const (
	magic         = "CWSPOOL"
	version       = 1
	headerLen     = 8  // magic and version
	frameHeadLen  = 9  // type, length, CRC
	dataPrefixLen = 16 // ID, unix nanos
	maxDataLen    = 16 << 20
	maxAckIDs     = 4096
	maxAckLen     = maxAckIDs * 8

	// MaxRecordBytes is the largest record Append takes (16 MiB less the
	// frame's prefix). A PutMetricData request is at most 1 MB.
	MaxRecordBytes = maxDataLen - dataPrefixLen
)

type frameType byte

const (
	frameData frameType = 1
	frameAck  frameType = 2
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segmentHeader is what every segment file starts with.
func segmentHeader() []byte { return append([]byte(magic), version) }

// dataFrameLen is the size on disk of a record of n bytes.
func dataFrameLen(n int) int64 { return int64(frameHeadLen + dataPrefixLen + n) }

// appendDataFrame appends the frame of one record to dst.
func appendDataFrame(dst []byte, id ID, nanos int64, data []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(append(dst, byte(frameData)), uint32(dataPrefixLen+len(data)))
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(id))
	dst = binary.LittleEndian.AppendUint64(dst, uint64(nanos))
	dst = append(dst, data...)
	return sealFrame(dst, start)
}

// appendAckFrames appends as many ack frames as ids need.
func appendAckFrames(dst []byte, ids []ID) []byte {
	for len(ids) > 0 {
		n := min(len(ids), maxAckIDs)
		start := len(dst)
		dst = binary.LittleEndian.AppendUint32(append(dst, byte(frameAck)), uint32(8*n))
		dst = append(dst, 0, 0, 0, 0)
		for _, id := range ids[:n] {
			dst = binary.LittleEndian.AppendUint64(dst, uint64(id))
		}
		ids = ids[n:]
		dst = sealFrame(dst, start)
	}
	return dst
}

// sealFrame writes the CRC of the frame that starts at dst[start:].
func sealFrame(dst []byte, start int) []byte {
	f := dst[start:]
	sum := crc32.Update(crc32.Checksum(f[:5], castagnoli), castagnoli, f[frameHeadLen:])
	binary.LittleEndian.PutUint32(f[5:9], sum)
	return dst
}

// frameHead is a decoded frame header.
type frameHead struct {
	typ frameType
	len int64
	crc uint32
}

func parseFrameHead(b []byte) frameHead {
	return frameHead{
		typ: frameType(b[0]),
		len: int64(binary.LittleEndian.Uint32(b[1:5])),
		crc: binary.LittleEndian.Uint32(b[5:9]),
	}
}

// plausible reports whether a payload of h.len bytes, of which rest remain in
// the file, could have been written by this package. It is checked before
// anything is read or allocated for the payload.
func (h frameHead) plausible(rest int64) bool {
	if h.len > rest {
		return false
	}
	switch h.typ {
	case frameData:
		return h.len >= dataPrefixLen && h.len <= maxDataLen
	case frameAck:
		return h.len >= 8 && h.len <= maxAckLen && h.len%8 == 0
	}
	return false
}

// parseDataFrame checks a whole data frame read back from disk and returns its
// fields; ok is false unless the CRC verifies.
func parseDataFrame(b []byte) (id ID, nanos int64, data []byte, ok bool) {
	if len(b) < frameHeadLen+dataPrefixLen {
		return 0, 0, nil, false
	}
	h := parseFrameHead(b)
	if h.typ != frameData || !h.plausible(int64(len(b)-frameHeadLen)) || h.len != int64(len(b)-frameHeadLen) {
		return 0, 0, nil, false
	}
	if crc32.Update(crc32.Checksum(b[:5], castagnoli), castagnoli, b[frameHeadLen:]) != h.crc {
		return 0, 0, nil, false
	}
	p := b[frameHeadLen:]
	return ID(binary.LittleEndian.Uint64(p)), int64(binary.LittleEndian.Uint64(p[8:])), p[dataPrefixLen:], true
}
