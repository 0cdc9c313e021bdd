package flush

import "github.com/cwagentd/cwagentd/aggregate"

// The encoded size of a PutMetricData body as the SDK writes it (Smithy RPC
// v2 CBOR: indefinite-length maps and lists, keys as text strings, every
// number a 9-byte float64 but StorageResolution, a timestamp as tag 1 around a
// float64). TestSize_MatchesSDK holds these figures to the real serializer.
const (
	indefinite   = 2 // the 0xbf/0x9f head and the 0xff break
	float64Bytes = 9
	timestampLen = 1 + float64Bytes // tag 1 + float64
)

// key is the size of a map key of n ASCII bytes.
func key(n int) int { return textLen(n) }

// textLen is the size of a CBOR text string of n bytes.
func textLen(n int) int {
	switch {
	case n < 24:
		return 1 + n
	case n < 1<<8:
		return 2 + n
	case n < 1<<16:
		return 3 + n
	}
	return 5 + n
}

func uintLen(v int) int {
	switch {
	case v < 24:
		return 1
	case v < 1<<8:
		return 2
	case v < 1<<16:
		return 3
	}
	return 5
}

// requestOverhead is everything but the datums.
func requestOverhead(namespace string) int {
	return indefinite + key(len("MetricData")) + indefinite + key(len("Namespace")) + textLen(len(namespace))
}

// datumSize is the encoded size of one MetricDatum.
func datumSize(d *aggregate.Datum, resolution int) int {
	n := indefinite + key(len("MetricName")) + textLen(len(d.Name))
	if d.Dimensions != nil {
		n += key(len("Dimensions")) + indefinite
		for _, dm := range d.Dimensions {
			n += indefinite + key(len("Name")) + textLen(len(dm.Name)) + key(len("Value")) + textLen(len(dm.Value))
		}
	}
	n += key(len("Timestamp")) + timestampLen
	if d.HasValue {
		n += key(len("Value")) + float64Bytes
	} else {
		n += key(len("StatisticValues")) + indefinite +
			key(len("SampleCount")) + key(len("Sum")) + key(len("Minimum")) + key(len("Maximum")) + 4*float64Bytes
	}
	if d.Values != nil {
		n += key(len("Values")) + indefinite + float64Bytes*len(d.Values)
		n += key(len("Counts")) + indefinite + float64Bytes*len(d.Counts)
	}
	if d.Unit != "" {
		n += key(len("Unit")) + textLen(len(d.Unit))
	}
	return n + key(len("StorageResolution")) + uintLen(resolution)
}
