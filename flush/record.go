package flush

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
)

// The spool's record of a Request: a compact binary form that holds every
// float exactly. Layout (varints are encoding/binary's; strings are a
// uvarint length then bytes; floats are 8 bytes little-endian):
//
//	version=1, namespace, timestamp (varint unix nanos), resolution (uvarint),
//	datum count (uvarint), then per datum: name, dimension count, name/value
//	pairs, unit, flags (1: HasValue), value, SampleCount, Sum, Minimum,
//	Maximum, point count, values, counts.
const recordVersion = 1

// maxRecordDatums bounds what decode believes, so that a corrupt length
// cannot make it allocate without limit.
const maxRecordDatums = 1 << 20

// appendRequest appends r's record to b. The record is about a third of
// r's CBOR size, so callers reuse b rather than size a new one per request.
func appendRequest(b []byte, r *Request) []byte {
	b = append(b, recordVersion)
	b = appendString(b, r.Namespace)
	b = binary.AppendVarint(b, r.Timestamp.UnixNano())
	b = binary.AppendUvarint(b, uint64(r.Resolution))
	b = binary.AppendUvarint(b, uint64(len(r.Datums)))
	for i := range r.Datums {
		d := &r.Datums[i]
		b = appendString(b, d.Name)
		b = binary.AppendUvarint(b, uint64(len(d.Dimensions)))
		for _, dm := range d.Dimensions {
			b = appendString(b, dm.Name)
			b = appendString(b, dm.Value)
		}
		b = appendString(b, d.Unit)
		var flags byte
		if d.HasValue {
			flags = 1
		}
		b = append(b, flags)
		for _, f := range []float64{d.Value, d.Stats.SampleCount, d.Stats.Sum, d.Stats.Minimum, d.Stats.Maximum} {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
		b = binary.AppendUvarint(b, uint64(len(d.Values)))
		for _, f := range d.Values {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
		for _, f := range d.Counts {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
		}
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errRecord = errors.New("malformed spool record")

// decodeRequest is the inverse of encodeRequest; the size is recomputed.
func decodeRequest(b []byte) (*Request, error) {
	r, n, d, err := decodeHead(b)
	if err != nil {
		return nil, err
	}
	r.Datums = make([]aggregate.Datum, 0, min(n, len(b)/40+1))
	for range n {
		if d.err != nil {
			break
		}
		var dt aggregate.Datum
		dt.Name = d.string()
		if nd := d.count(64); nd > 0 {
			dt.Dimensions = make([]aggregate.Dimension, nd)
			for i := range dt.Dimensions {
				dt.Dimensions[i] = aggregate.Dimension{Name: d.string(), Value: d.string()}
			}
		}
		dt.Unit = d.string()
		dt.HasValue = d.byte() == 1
		dt.Value, dt.Stats.SampleCount, dt.Stats.Sum = d.float(), d.float(), d.float()
		dt.Stats.Minimum, dt.Stats.Maximum = d.float(), d.float()
		if np := d.count(uint64(len(b) / 16)); np > 0 {
			dt.Values, dt.Counts = make([]float64, np), make([]float64, np)
			for i := range dt.Values {
				dt.Values[i] = d.float()
			}
			for i := range dt.Counts {
				dt.Counts[i] = d.float()
			}
		}
		r.Datums = append(r.Datums, dt)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes after the last datum", errRecord, len(d.b))
	}
	if d.err != nil {
		return nil, d.err
	}
	r.size = r.computeSize()
	return r, nil
}

// decodeHead decodes a record up to its datums: a Request without them,
// how many it holds, and the decoder positioned at the first.
func decodeHead(b []byte) (*Request, int, *decoder, error) {
	d := &decoder{b: b}
	if v := d.byte(); v != recordVersion {
		return nil, 0, nil, fmt.Errorf("%w: version %d, want %d", errRecord, v, recordVersion)
	}
	r := &Request{Namespace: d.string()}
	r.Timestamp = time.Unix(0, d.varint()).UTC()
	r.Resolution = int(d.count(60))
	n := int(d.count(maxRecordDatums))
	if d.err != nil {
		return nil, 0, nil, d.err
	}
	return r, n, d, nil
}

// decoder reads from b; the first problem sticks in err and every later
// read returns zero.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad or truncated %s", errRecord, what)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	v := d.b[0]
	d.b = d.b[1:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a uvarint no larger than limit.
func (d *decoder) count(limit uint64) uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 || v > limit {
		d.fail("count")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.count(math.MaxInt32)
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail("string")
	}
	if d.err != nil {
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) float() float64 {
	if len(d.b) < 8 {
		d.fail("float")
		return 0
	}
	v := math.Float64frombits(binary.LittleEndian.Uint64(d.b))
	d.b = d.b[8:]
	return v
}
