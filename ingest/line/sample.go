package line

// Type is a StatsD metric type.
type Type uint8

// The six StatsD types. The zero Type is invalid.
const (
	Counter      Type = iota + 1 // c
	Gauge                        // g
	Set                          // s
	Timer                        // ms
	Histogram                    // h
	Distribution                 // d
)

var typeNames = [...]string{"", "c", "g", "s", "ms", "h", "d"}

// String returns the type as written on the wire ("c", "ms", ...).
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "?"
}

// Sample is one parsed line. Its byte slices alias the parsed input and are
// valid only until that buffer is reused; Values, Deltas and Members reuse their
// backing arrays across calls to Parse.
type Sample struct {
	Name []byte
	Type Type
	// Rate is the sample rate in (0,1]; 1 when the line has none. Each value
	// weighs 1/Rate.
	Rate float64
	// Values holds the numeric values of every type but Set, in line order.
	Values []float64
	// Deltas is parallel to Values for gauges: true where the value was written
	// with a sign (+N / -N) and so adjusts the gauge instead of setting it.
	Deltas []bool
	// Members holds the raw members of a Set.
	Members [][]byte
	// Tags is the raw tag list without the leading '#' ("k:v,k2:v2"); nil if none.
	Tags []byte
	// Timestamp is the |T field in unix seconds; 0 when absent.
	Timestamp int64
	// Container is the |c: container id; nil when absent. It is parsed so the
	// line is accepted, but it never becomes a dimension (unbounded cardinality).
	Container []byte
}

func (s *Sample) reset() {
	s.Name, s.Type, s.Rate = nil, 0, 1
	s.Values, s.Deltas, s.Members = s.Values[:0], s.Deltas[:0], s.Members[:0]
	s.Tags, s.Timestamp, s.Container = nil, 0, nil
}
