package fakecw

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// PutMetricData limits, from the API reference.
const (
	MaxDatums          = 1000
	MaxDimensions      = 30
	MaxValues          = 150
	MaxNameLen         = 255 // Namespace, MetricName, dimension Name
	MaxDimValueLen     = 1024
	MaxTimestampAge    = 14 * 24 * time.Hour
	MaxTimestampFuture = 2 * time.Hour
)

// StandardUnits is CloudWatch's StandardUnit enum.
var StandardUnits = []string{
	"Seconds", "Microseconds", "Milliseconds",
	"Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits",
	"Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
	"Count/Second", "None",
}

var standardUnits = func() map[string]bool {
	m := make(map[string]bool, len(StandardUnits))
	for _, u := range StandardUnits {
		m[u] = true
	}
	return m
}()

// CloudWatch rejects magnitudes outside [2^-360, 2^360] other than 0.
var (
	minMagnitude = math.Ldexp(1, -360)
	maxMagnitude = math.Ldexp(1, 360)
)

// validator words violations like CloudWatch's messages ("The value X for
// parameter MetricData.member.N.Field is invalid"), adding the metric's name so
// a human can find the datum. Locations are only formatted once something is
// wrong: a full request has 150,000 numbers to check.
type validator struct {
	now   time.Time
	out   []string
	path  string // "MetricData.member.N" while checking a datum
	datum *Datum // the datum being checked, nil at the top level
}

func validate(p payload, now time.Time) []string {
	if !p.isMap {
		return nil // decodeBody has said why
	}
	v := validator{now: now}
	v.namespace(p)
	switch {
	case !p.hasMetricData:
		v.add("The parameter MetricData is required.")
	case len(p.metricData) == 0:
		v.add("The collection MetricData must not be empty.")
	case len(p.metricData) > MaxDatums:
		v.add(fmt.Sprintf("The collection MetricData must not have a size greater than %d (got %d).", MaxDatums, len(p.metricData)))
	}
	for i := range p.metricData {
		v.path, v.datum = fmt.Sprintf("MetricData.member.%d", i+1), &p.metricData[i].Datum
		v.checkDatum(p.metricData[i])
	}
	return v.out
}

func (v *validator) add(msg string) { v.out = append(v.out, msg) }

// loc names field of the current datum, with the datum's metric.
func (v *validator) loc(field string) string {
	if v.datum == nil {
		return field
	}
	return fmt.Sprintf("%s.%s (metric %s)", v.path, field, describeDatum(*v.datum))
}

// invalid reports a bad value of field.
func (v *validator) invalid(field string, value any, why string) {
	var val string
	switch x := value.(type) {
	case string:
		val = strconv.Quote(truncate(x))
	case float64:
		val = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		val = fmt.Sprint(x)
	}
	v.add(fmt.Sprintf("The value %s for parameter %s is invalid: %s.", val, v.loc(field), why))
}

func (v *validator) namespace(p payload) {
	if !p.hasNamespace {
		v.add("The parameter Namespace is required.")
		return
	}
	ns := p.namespace
	v.name("Namespace", ns, MaxNameLen)
	if strings.HasPrefix(ns, ":") {
		v.invalid("Namespace", ns, "must not start with ':'")
	}
	if strings.HasPrefix(ns, "AWS/") {
		v.invalid("Namespace", ns, "the AWS/ prefix is reserved for AWS services")
	}
}

// name checks a required string: length in Unicode code points (Smithy's
// @length for strings), valid UTF-8 and no control characters.
func (v *validator) name(field, s string, max int) {
	if !utf8.ValidString(s) {
		v.invalid(field, s, "must be valid UTF-8")
		return
	}
	if n := utf8.RuneCountInString(s); n < 1 || n > max {
		v.invalid(field, s, fmt.Sprintf("length %d is outside 1..%d", n, max))
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		v.invalid(field, s, fmt.Sprintf("control character %U at byte %d", []rune(s[i:])[0], i))
	}
}

// numberProblem says what is wrong with f for CloudWatch, or "".
func numberProblem(f float64) string {
	switch a := math.Abs(f); {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "must be a finite number"
	case a != 0 && (a < minMagnitude || a > maxMagnitude):
		return "magnitude must be 0 or within 2^-360..2^360"
	}
	return ""
}

func (v *validator) number(field string, f float64) bool {
	if why := numberProblem(f); why != "" {
		v.invalid(field, f, why)
		return false
	}
	return true
}

// numbers checks a Values or Counts list; member names are built only for
// bad members.
func (v *validator) numbers(field string, fs []float64, nonNegative bool) {
	for i, f := range fs {
		why := numberProblem(f)
		if why == "" && nonNegative && f < 0 {
			why = "must not be negative"
		}
		if why != "" {
			v.invalid(fmt.Sprintf("%s.member.%d", field, i+1), f, why)
		}
	}
}

func (v *validator) checkDatum(d wireDatum) {
	if !d.hasMetricName {
		v.add(fmt.Sprintf("The parameter %s.MetricName is required.", v.path))
	} else {
		v.name("MetricName", d.MetricName, MaxNameLen)
	}

	if len(d.Dimensions) > MaxDimensions {
		v.add(fmt.Sprintf("The collection %s must not have a size greater than %d (got %d).", v.loc("Dimensions"), MaxDimensions, len(d.Dimensions)))
	}
	seen := make(map[string]int, len(d.Dimensions))
	for i, dim := range d.Dimensions {
		dp := "Dimensions.member." + strconv.Itoa(i+1)
		v.name(dp+".Name", dim.Name, MaxNameLen)
		if strings.HasPrefix(dim.Name, ":") {
			v.invalid(dp+".Name", dim.Name, "must not start with ':'")
		}
		v.name(dp+".Value", dim.Value, MaxDimValueLen)
		if j, dup := seen[dim.Name]; dup {
			v.invalid(dp+".Name", dim.Name, fmt.Sprintf("duplicates Dimensions.member.%d.Name", j))
		} else {
			seen[dim.Name] = i + 1
		}
	}

	if d.hasTimestamp {
		switch ts := d.Timestamp; {
		case ts.Before(v.now.Add(-MaxTimestampAge)):
			v.invalid("Timestamp", ts.Format(time.RFC3339Nano),
				fmt.Sprintf("must be no more than two weeks in the past (server time %s)", v.now.UTC().Format(time.RFC3339)))
		case ts.After(v.now.Add(MaxTimestampFuture)):
			v.invalid("Timestamp", ts.Format(time.RFC3339Nano),
				fmt.Sprintf("must be no more than two hours in the future (server time %s)", v.now.UTC().Format(time.RFC3339)))
		}
	}

	if d.Value != nil {
		v.number("Value", *d.Value)
		if d.StatisticValues != nil {
			v.add(fmt.Sprintf("The parameters %s and StatisticValues are mutually exclusive and you have specified both.", v.loc("Value")))
		}
		if d.Values != nil {
			v.add(fmt.Sprintf("The parameters %s and Values are mutually exclusive and you have specified both.", v.loc("Value")))
		}
	}
	if d.Value == nil && d.StatisticValues == nil && len(d.Values) == 0 {
		v.add(fmt.Sprintf("The parameter %s is invalid: one of Value, StatisticValues or Values is required.", v.loc("Value")))
	}

	if s := d.StatisticValues; s != nil {
		if v.number("StatisticValues.SampleCount", s.SampleCount) && s.SampleCount <= 0 {
			v.invalid("StatisticValues.SampleCount", s.SampleCount, "must be greater than 0")
		}
		v.number("StatisticValues.Sum", s.Sum)
		minOK := v.number("StatisticValues.Minimum", s.Minimum)
		maxOK := v.number("StatisticValues.Maximum", s.Maximum)
		if minOK && maxOK && s.Minimum > s.Maximum {
			v.invalid("StatisticValues.Minimum", s.Minimum, fmt.Sprintf("must not exceed Maximum %v", s.Maximum))
		}
	}

	if len(d.Values) > MaxValues {
		v.add(fmt.Sprintf("The collection %s must not have a size greater than %d (got %d).", v.loc("Values"), MaxValues, len(d.Values)))
	}
	v.numbers("Values", d.Values, false)
	if d.Counts != nil && len(d.Counts) != len(d.Values) {
		v.add(fmt.Sprintf("The parameters %s and Counts must be of the same size (got %d Values and %d Counts).",
			v.loc("Values"), len(d.Values), len(d.Counts)))
	}
	v.numbers("Counts", d.Counts, true)

	if d.hasUnit && !standardUnits[d.Unit] {
		v.invalid("Unit", d.Unit, "must be one of "+strings.Join(StandardUnits, ", "))
	}
	if d.hasStorageResolution && d.StorageResolution != 1 && d.StorageResolution != 60 {
		v.invalid("StorageResolution", d.StorageResolution, "must be 1 or 60")
	}
}

// describeDatum names a datum for humans: its metric name and dimensions.
func describeDatum(d Datum) string {
	var b strings.Builder
	b.WriteString(strconv.Quote(truncate(d.MetricName)))
	if len(d.Dimensions) > 0 {
		b.WriteString(" {")
		for i, dim := range d.Dimensions {
			if i > 0 {
				b.WriteString(", ")
			}
			if i == 4 {
				fmt.Fprintf(&b, "… %d more", len(d.Dimensions)-i)
				break
			}
			fmt.Fprintf(&b, "%s=%s", truncate(dim.Name), truncate(dim.Value))
		}
		b.WriteString("}")
	}
	return b.String()
}

// truncate keeps messages readable when a client sends a huge string.
func truncate(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}
