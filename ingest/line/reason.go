package line

// Reason says why a line was not turned into a Sample. OK and Skipped are not
// drops; every other Reason is one, and callers count it.
type Reason uint8

// Reasons, stable: their String forms are label values in self-telemetry.
const (
	OK           Reason = iota
	Skipped             // a DogStatsD event (_e{) or service check (_sc|): not a metric, ignored on purpose
	EmptyName           // nothing before the first ':'
	NameTooLong         // name over 255 bytes, CloudWatch's MetricName limit
	BadEncoding         // not valid UTF-8, or a control character
	NoValue             // no ':' or an empty value
	BadValue            // a value that is not a number
	NonFinite           // NaN, Inf or beyond CloudWatch's 2^360 magnitude
	BadType             // missing or unknown type
	BadRate             // @rate not a number in [MinRate, 1]
	BadTimestamp        // |T not a positive integer
	BadField            // a repeated rate, tags or timestamp field (an empty field, ||, is ignored)
	NumReasons          // the number of Reasons; not a Reason
)

var reasonNames = [NumReasons]string{
	"ok", "skipped", "empty_name", "name_too_long", "bad_encoding", "no_value",
	"bad_value", "non_finite", "bad_type", "bad_rate", "bad_timestamp", "bad_field",
}

// String returns the reason as a snake_case label.
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "unknown"
}
