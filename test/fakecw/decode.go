package fakecw

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Path is where the Go SDK sends PutMetricData over rpcv2Cbor.
const Path = "/service/GraniteServiceVersion20100801/operation/PutMetricData"

// checkTransport checks the HTTP envelope the SDK produces; the body is
// checked separately.
func checkTransport(r *http.Request) []string {
	var v []string
	if r.Method != http.MethodPost {
		v = append(v, fmt.Sprintf("The HTTP method %s is invalid: PutMetricData must be POST.", r.Method))
	}
	if r.URL.Path != Path {
		v = append(v, fmt.Sprintf("The request path %q is invalid: want %q.", r.URL.Path, Path))
	}
	for _, h := range []struct{ name, want string }{
		{"Smithy-Protocol", "rpc-v2-cbor"},
		{"Content-Type", "application/cbor"},
		{"X-Amzn-Query-Mode", "true"},
	} {
		if got := r.Header.Get(h.name); got != h.want {
			v = append(v, fmt.Sprintf("The value %q for header %s is invalid: want %q.", got, h.name, h.want))
		}
	}
	if msg := checkAuthorization(r.Header.Get("Authorization")); msg != "" {
		v = append(v, msg)
	}
	return v
}

// checkAuthorization checks the SigV4 header's shape and credential scope; the
// signature itself is not verified, the fake knows no secrets.
func checkAuthorization(h string) string {
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, algo) {
		return fmt.Sprintf("The value %q for header Authorization is invalid: want a %q SigV4 signature.", truncate(h), strings.TrimSpace(algo))
	}
	var cred string
	for _, part := range strings.Split(h[len(algo):], ",") {
		if c, ok := strings.CutPrefix(strings.TrimSpace(part), "Credential="); ok {
			cred = c
		}
	}
	// Credential=AKID/20240101/us-east-1/monitoring/aws4_request
	if parts := strings.Split(cred, "/"); len(parts) != 5 || !strings.HasSuffix(cred, "/monitoring/aws4_request") {
		return fmt.Sprintf("The credential scope %q in header Authorization is invalid: want <key>/<date>/<region>/monitoring/aws4_request.", cred)
	}
	return ""
}

// decodeContent undoes Content-Encoding. The SDK only ever uses gzip.
func decodeContent(encoding string, wire []byte) (raw []byte, gzipped bool, problems []string) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return wire, false, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			return nil, true, []string{fmt.Sprintf("The request body is not valid gzip despite Content-Encoding: gzip: %v.", err)}
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxReadBytes+1))
		if err != nil {
			return raw, true, []string{fmt.Sprintf("The request body is not valid gzip despite Content-Encoding: gzip: %v.", err)}
		}
		return raw, true, nil
	default:
		return nil, false, []string{fmt.Sprintf("The value %q for header Content-Encoding is invalid: only gzip is supported.", encoding)}
	}
}

// payload is the decoded body plus what Datum cannot express (presence of
// fields whose zero value is meaningful), which validation needs.
type payload struct {
	isMap         bool // the body decoded to a CBOR map; nothing else is worth validating
	namespace     string
	hasNamespace  bool
	hasMetricData bool
	metricData    []wireDatum
}

type wireDatum struct {
	Datum
	hasMetricName        bool
	hasUnit              bool
	hasStorageResolution bool
	hasTimestamp         bool
}

func (p payload) datums() []Datum {
	if len(p.metricData) == 0 {
		return nil
	}
	out := make([]Datum, len(p.metricData))
	for i, d := range p.metricData {
		out[i] = d.Datum
		out[i].Namespace = p.namespace
	}
	return out
}

// decoder collects problems instead of stopping at the first, so one request
// reports everything wrong with it.
type decoder struct{ problems []string }

func (d *decoder) fail(path string, v cbor.Value, want string) {
	d.problems = append(d.problems, fmt.Sprintf("The parameter %s is invalid: want %s, got %s.", path, want, cborKind(v)))
}

// decodeBody decodes a PutMetricData input document. Unknown keys are
// ignored, as the service ignores them.
func decodeBody(raw []byte) (payload, []string) {
	var p payload
	if len(raw) == 0 {
		return p, []string{"The request body is empty: want a CBOR map with Namespace and MetricData."}
	}
	v, err := cbor.Decode(raw)
	if err != nil {
		return p, []string{fmt.Sprintf("The request body is not valid CBOR: %v.", err)}
	}
	var d decoder
	top, ok := v.(cbor.Map)
	if !ok {
		// A query-protocol or JSON client lands here: cbor.Decode reads the
		// first item and ignores the rest.
		return p, []string{fmt.Sprintf("The request body is not a CBOR map (it starts with %s): PutMetricData takes a CBOR map with Namespace and MetricData.", cborKind(v))}
	}
	p.isMap = true
	if nv, ok := top["Namespace"]; ok {
		p.namespace, p.hasNamespace = d.str("Namespace", nv)
	}
	if mv, ok := top["MetricData"]; ok {
		list, ok := mv.(cbor.List)
		if !ok {
			d.fail("MetricData", mv, "a list")
		}
		p.hasMetricData = ok
		p.metricData = make([]wireDatum, 0, len(list))
		for i, item := range list {
			p.metricData = append(p.metricData, d.datum(fmt.Sprintf("MetricData.member.%d", i+1), item))
		}
	}
	return p, d.problems
}

func (d *decoder) datum(path string, v cbor.Value) wireDatum {
	var w wireDatum
	m, ok := v.(cbor.Map)
	if !ok {
		d.fail(path, v, "a map")
		return w
	}
	if x, ok := m["MetricName"]; ok {
		w.MetricName, w.hasMetricName = d.str(path+".MetricName", x)
	}
	if x, ok := m["Dimensions"]; ok {
		w.Dimensions = d.dimensions(path+".Dimensions", x)
	}
	if x, ok := m["Timestamp"]; ok {
		w.Timestamp, w.hasTimestamp = d.timestamp(path+".Timestamp", x)
	}
	if x, ok := m["Value"]; ok {
		if f, ok := d.num(path+".Value", x); ok {
			w.Value = &f
		}
	}
	if x, ok := m["StatisticValues"]; ok {
		w.StatisticValues = d.statisticSet(path+".StatisticValues", x)
	}
	if x, ok := m["Values"]; ok {
		w.Values = d.nums(path+".Values", x)
	}
	if x, ok := m["Counts"]; ok {
		w.Counts = d.nums(path+".Counts", x)
	}
	if x, ok := m["Unit"]; ok {
		w.Unit, w.hasUnit = d.str(path+".Unit", x)
	}
	if x, ok := m["StorageResolution"]; ok {
		n, err := cbor.AsInt64(x)
		if err != nil {
			d.fail(path+".StorageResolution", x, "an integer")
		} else {
			w.StorageResolution, w.hasStorageResolution = int(n), true
		}
	}
	return w
}

func (d *decoder) dimensions(path string, v cbor.Value) []Dimension {
	list, ok := v.(cbor.List)
	if !ok {
		d.fail(path, v, "a list")
		return nil
	}
	out := make([]Dimension, 0, len(list))
	for i, item := range list {
		p := fmt.Sprintf("%s.member.%d", path, i+1)
		m, ok := item.(cbor.Map)
		if !ok {
			d.fail(p, item, "a map")
			continue
		}
		var dim Dimension
		// Missing Name/Value decode as "" and are reported by validation as
		// too short, which is what the service says too.
		if x, ok := m["Name"]; ok {
			dim.Name, _ = d.str(p+".Name", x)
		}
		if x, ok := m["Value"]; ok {
			dim.Value, _ = d.str(p+".Value", x)
		}
		out = append(out, dim)
	}
	return out
}

func (d *decoder) statisticSet(path string, v cbor.Value) *StatisticSet {
	m, ok := v.(cbor.Map)
	if !ok {
		d.fail(path, v, "a map")
		return nil
	}
	var s StatisticSet
	for _, f := range []struct {
		name string
		dst  *float64
	}{
		{"SampleCount", &s.SampleCount}, {"Sum", &s.Sum}, {"Minimum", &s.Minimum}, {"Maximum", &s.Maximum},
	} {
		x, ok := m[f.name]
		if !ok {
			d.problems = append(d.problems, fmt.Sprintf("The parameter %s.%s is required.", path, f.name))
			continue
		}
		*f.dst, _ = d.num(path+"."+f.name, x)
	}
	return &s
}

func (d *decoder) str(path string, v cbor.Value) (string, bool) {
	s, ok := v.(cbor.String)
	if !ok {
		d.fail(path, v, "a text string")
		return "", false
	}
	return string(s), true
}

// num accepts any CBOR number the SDK's own decoder would coerce to float64.
func (d *decoder) num(path string, v cbor.Value) (float64, bool) {
	f, err := cbor.AsFloat64(v)
	if err != nil {
		d.fail(path, v, "a number")
		return 0, false
	}
	return f, true
}

func (d *decoder) nums(path string, v cbor.Value) []float64 {
	list, ok := v.(cbor.List)
	if !ok {
		d.fail(path, v, "a list of numbers")
		return nil
	}
	out := make([]float64, 0, len(list))
	for i, item := range list {
		f, err := cbor.AsFloat64(item)
		if err != nil {
			// The member path is built only here: a full request holds
			// 300,000 numbers.
			d.fail(fmt.Sprintf("%s.member.%d", path, i+1), item, "a number")
		}
		out = append(out, f)
	}
	return out
}

// timestamp decodes a tag-1 epoch time. The SDK writes float64 seconds of a
// millisecond-truncated time; rounding (rather than cbor.AsTime's truncation)
// recovers the exact millisecond despite binary float error.
func (d *decoder) timestamp(path string, v cbor.Value) (time.Time, bool) {
	tag, ok := v.(*cbor.Tag)
	if !ok || tag.ID != 1 {
		d.fail(path, v, "an epoch-seconds timestamp (CBOR tag 1)")
		return time.Time{}, false
	}
	switch x := tag.Value.(type) {
	case cbor.Float64, cbor.Float32:
		f, _ := cbor.AsFloat64(x)
		if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) > 1e15 {
			d.problems = append(d.problems, fmt.Sprintf("The value %v for parameter %s is invalid: not a time.", f, path))
			return time.Time{}, false
		}
		return time.UnixMilli(int64(math.Round(f * 1e3))).UTC(), true
	default:
		n, err := cbor.AsInt64(x)
		if err != nil {
			d.fail(path, v, "an epoch-seconds timestamp (CBOR tag 1 around a number)")
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
}

// cborKind names a CBOR value's type for error messages.
func cborKind(v cbor.Value) string {
	switch x := v.(type) {
	case cbor.Uint, cbor.NegInt:
		return "an integer"
	case cbor.Float32, cbor.Float64:
		return "a float"
	case cbor.String:
		return fmt.Sprintf("the text string %q", truncate(string(x)))
	case cbor.Slice:
		return "a byte string"
	case cbor.List:
		return "a list"
	case cbor.Map:
		return "a map"
	case *cbor.Tag:
		return fmt.Sprintf("CBOR tag %d", x.ID)
	case cbor.Bool:
		return "a bool"
	case *cbor.Nil:
		return "null"
	case *cbor.Undefined:
		return "undefined"
	default:
		return fmt.Sprintf("%T", v)
	}
}
