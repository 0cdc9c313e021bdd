package fakecw_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/encoding/cbor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// newClient is the real SDK client, configured the way the agent is: no SDK
// retries, so every answer of the fake reaches the caller.
func newClient(s *fakecw.Server, opts ...func(*cloudwatch.Options)) *cloudwatch.Client {
	o := cloudwatch.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL()),
		Credentials:  credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer:      aws.NopRetryer{},
	}
	for _, fn := range opts {
		fn(&o)
	}
	return cloudwatch.New(o)
}

func newFake(t *testing.T) (*fakecw.Server, *cloudwatch.Client) {
	t.Helper()
	s := fakecw.New()
	t.Cleanup(s.Close)
	return s, newClient(s)
}

func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func put(t *testing.T, c *cloudwatch.Client, ns string, data ...types.MetricDatum) error {
	t.Helper()
	_, err := c.PutMetricData(callCtx(t), &cloudwatch.PutMetricDataInput{Namespace: aws.String(ns), MetricData: data})
	return err
}

func validDatum() types.MetricDatum {
	return types.MetricDatum{
		MetricName: aws.String("requests"),
		Dimensions: []types.Dimension{{Name: aws.String("host"), Value: aws.String("a")}},
		Timestamp:  aws.Time(time.Now().Add(-time.Minute)),
		Value:      aws.Float64(1),
		Unit:       types.StandardUnitCount,
	}
}

func TestPutMetricDataRoundTripsEveryField(t *testing.T) {
	s, c := newFake(t)
	ts := time.Now().Add(-90 * time.Second)
	sent := []types.MetricDatum{
		{
			MetricName: aws.String("latency"),
			Dimensions: []types.Dimension{
				{Name: aws.String("service"), Value: aws.String("api")},
				{Name: aws.String("az"), Value: aws.String("us-east-1a")},
				{Name: aws.String("héllo"), Value: aws.String("wörld ✓")},
			},
			Timestamp:         aws.Time(ts),
			StatisticValues:   &types.StatisticSet{SampleCount: aws.Float64(5), Sum: aws.Float64(12.5), Minimum: aws.Float64(0.5), Maximum: aws.Float64(7)},
			Values:            []float64{0.5, 1, 7},
			Counts:            []float64{2, 2, 1},
			Unit:              types.StandardUnitMilliseconds,
			StorageResolution: aws.Int32(1),
		},
		{
			MetricName:        aws.String("up"),
			Value:             aws.Float64(-3.25e-100),
			Unit:              types.StandardUnitBytesSecond,
			StorageResolution: aws.Int32(60),
		},
		{MetricName: aws.String("zero"), Value: aws.Float64(0)},
	}
	require.NoError(t, put(t, c, "App/Test", sent...))

	want := []fakecw.Datum{
		{
			Namespace:  "App/Test",
			MetricName: "latency",
			Dimensions: []fakecw.Dimension{{"service", "api"}, {"az", "us-east-1a"}, {"héllo", "wörld ✓"}},
			// The SDK sends milliseconds; the fake returns UTC.
			Timestamp:         ts.Truncate(time.Millisecond).UTC(),
			StatisticValues:   &fakecw.StatisticSet{SampleCount: 5, Sum: 12.5, Minimum: 0.5, Maximum: 7},
			Values:            []float64{0.5, 1, 7},
			Counts:            []float64{2, 2, 1},
			Unit:              "Milliseconds",
			StorageResolution: 1,
		},
		{Namespace: "App/Test", MetricName: "up", Value: aws.Float64(-3.25e-100), Unit: "Bytes/Second", StorageResolution: 60},
		{Namespace: "App/Test", MetricName: "zero", Value: aws.Float64(0)},
	}
	assert.Equal(t, want, s.Datums())
	assert.Empty(t, s.Violations())

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "ok", reqs[0].Outcome)
	assert.Equal(t, http.StatusOK, reqs[0].Status)
	assert.Equal(t, "App/Test", reqs[0].Namespace)
	assert.WithinDuration(t, time.Now(), reqs[0].Received, 10*time.Second)
	assert.Equal(t, reqs, s.Accepted())
}

func TestGzipIsDetected(t *testing.T) {
	big := make([]types.MetricDatum, 1000)
	for i := range big {
		d := validDatum()
		d.MetricName = aws.String(fmt.Sprintf("metric_%04d", i))
		big[i] = d
	}
	tests := []struct {
		name        string
		opts        []func(*cloudwatch.Options)
		data        []types.MetricDatum
		wantGzipped bool
	}{
		{"bare options gzip a small body", nil, []types.MetricDatum{validDatum()}, true},
		{"bare options gzip a big body", nil, big, true},
		{"compression disabled", []func(*cloudwatch.Options){func(o *cloudwatch.Options) { o.DisableRequestCompression = true }}, big, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakecw.New()
			defer s.Close()
			require.NoError(t, put(t, newClient(s, tt.opts...), "App/Gzip", tt.data...))

			reqs := s.Accepted()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, tt.wantGzipped, r.Gzipped)
			assert.Len(t, r.Datums, len(tt.data))
			switch {
			case !tt.wantGzipped:
				assert.Equal(t, r.RawBytes, r.WireBytes)
			case len(tt.data) > 100:
				assert.Greater(t, r.RawBytes, r.WireBytes, "a repetitive body must shrink")
			}
		})
	}
}

func TestCannedFaultsSurfaceAsTheSDKsErrorTypes(t *testing.T) {
	tests := []struct {
		name       string
		fault      fakecw.Fault
		wantStatus int
		check      func(t *testing.T, err error)
	}{
		{
			name: "Throttling", fault: fakecw.Throttling(), wantStatus: 400,
			check: func(t *testing.T, err error) {
				var apiErr smithy.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, "Throttling", apiErr.ErrorCode())
				assert.Equal(t, "Rate exceeded", apiErr.ErrorMessage())
				assert.Equal(t, smithy.FaultClient, apiErr.ErrorFault())
				var generic *smithy.GenericAPIError
				assert.ErrorAs(t, err, &generic, "Throttling is not a modeled error")
			},
		},
		{
			name: "InternalError", fault: fakecw.InternalError(), wantStatus: 500,
			check: func(t *testing.T, err error) {
				var fault *types.InternalServiceFault
				require.ErrorAs(t, err, &fault)
				assert.Equal(t, "InternalServiceError", fault.ErrorCode())
				assert.NotEmpty(t, fault.ErrorMessage(), "InternalServiceFault reads the Message key")
				assert.Equal(t, smithy.FaultServer, fault.ErrorFault())
			},
		},
		{
			name: "InvalidParameter", fault: fakecw.InvalidParameter("bad value for foo"), wantStatus: 400,
			check: func(t *testing.T, err error) {
				var ipv *types.InvalidParameterValueException
				require.ErrorAs(t, err, &ipv)
				assert.Equal(t, "InvalidParameterValue", ipv.ErrorCode())
				assert.Equal(t, "bad value for foo", ipv.ErrorMessage())
			},
		},
		{
			name: "TooLarge", fault: fakecw.TooLarge(), wantStatus: 413,
			check: func(t *testing.T, err error) {
				var de *smithy.DeserializationError
				assert.ErrorAs(t, err, &de, "an empty body cannot be decoded as CBOR")
				var apiErr smithy.APIError
				assert.False(t, errors.As(err, &apiErr), "no error code is available: %v", err)
			},
		},
		{
			name: "custom with Retry-After", fault: fakecw.Fault{Status: 429, Code: "TooManyRequestsException", Message: "slow down", RetryAfter: "3"},
			wantStatus: 429,
			check: func(t *testing.T, err error) {
				var apiErr smithy.APIError
				require.ErrorAs(t, err, &apiErr)
				assert.Equal(t, "TooManyRequestsException", apiErr.ErrorCode())
				var re *awshttp.ResponseError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, "3", re.Response.Header.Get("Retry-After"))
			},
		},
		{
			name: "HTML from a proxy", fault: fakecw.Fault{Status: 502, Body: []byte("<html><body>Bad Gateway</body></html>")},
			wantStatus: 502,
			check: func(t *testing.T, err error) {
				var de *smithy.DeserializationError
				assert.ErrorAs(t, err, &de)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newFake(t)
			s.FailNext(1, tt.fault)
			err := put(t, c, "App/Faults", validDatum())
			require.Error(t, err)

			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.wantStatus, re.HTTPStatusCode())
			assert.NotEmpty(t, re.ServiceRequestID())
			tt.check(t, err)

			reqs := s.Requests()
			require.Len(t, reqs, 1)
			wantOutcome := tt.fault.Code
			if wantOutcome == "" {
				wantOutcome = fmt.Sprintf("HTTP %d", tt.wantStatus)
			}
			assert.Equal(t, wantOutcome, reqs[0].Outcome)
			assert.Empty(t, s.Accepted())
			assert.Empty(t, s.Violations(), "injected faults skip validation")
		})
	}
}

func TestInvalidDatumsAreViolations(t *testing.T) {
	long := func(n int) *string { return aws.String(strings.Repeat("x", n)) }
	dims := func(n int) []types.Dimension {
		out := make([]types.Dimension, n)
		for i := range out {
			out[i] = types.Dimension{Name: aws.String(fmt.Sprintf("d%d", i)), Value: aws.String("v")}
		}
		return out
	}
	tests := []struct {
		name   string
		mutate func(d *types.MetricDatum)
		want   string // substring of the violation
	}{
		{"NaN value", func(d *types.MetricDatum) { d.Value = aws.Float64(math.NaN()) }, "The value NaN for parameter MetricData.member.1.Value"},
		{"+Inf value", func(d *types.MetricDatum) { d.Value = aws.Float64(math.Inf(1)) }, "The value +Inf for parameter MetricData.member.1.Value"},
		{"value too large", func(d *types.MetricDatum) { d.Value = aws.Float64(math.Ldexp(1, 361)) }, "magnitude must be 0 or within 2^-360..2^360"},
		{"value too small", func(d *types.MetricDatum) { d.Value = aws.Float64(-math.Ldexp(1, -361)) }, "MetricData.member.1.Value (metric \"requests\""},
		{"Value with StatisticValues", func(d *types.MetricDatum) {
			d.StatisticValues = &types.StatisticSet{SampleCount: aws.Float64(1), Sum: aws.Float64(1), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}
		}, "and StatisticValues are mutually exclusive"},
		{"Value with Values", func(d *types.MetricDatum) { d.Values = []float64{1} }, "and Values are mutually exclusive"},
		{"no value at all", func(d *types.MetricDatum) { d.Value = nil }, "one of Value, StatisticValues or Values is required"},
		{"151 Values", func(d *types.MetricDatum) {
			d.Value = nil
			d.Values = make([]float64, 151)
		}, "Values (metric \"requests\" {host=a}) must not have a size greater than 150"},
		{"Counts shorter than Values", func(d *types.MetricDatum) {
			d.Value = nil
			d.Values, d.Counts = []float64{1, 2}, []float64{1}
		}, "Counts must be of the same size"},
		{"negative Count", func(d *types.MetricDatum) {
			d.Value = nil
			d.Values, d.Counts = []float64{1, 2}, []float64{1, -1}
		}, "MetricData.member.1.Counts.member.2 (metric \"requests\" {host=a}) is invalid: must not be negative"},
		{"NaN in Values", func(d *types.MetricDatum) {
			d.Value = nil
			d.Values = []float64{1, math.NaN()}
		}, "The value NaN for parameter MetricData.member.1.Values.member.2"},
		{"SampleCount 0", func(d *types.MetricDatum) {
			d.Value = nil
			d.StatisticValues = &types.StatisticSet{SampleCount: aws.Float64(0), Sum: aws.Float64(0), Minimum: aws.Float64(0), Maximum: aws.Float64(0)}
		}, "StatisticValues.SampleCount (metric \"requests\" {host=a}) is invalid: must be greater than 0"},
		{"Minimum above Maximum", func(d *types.MetricDatum) {
			d.Value = nil
			d.StatisticValues = &types.StatisticSet{SampleCount: aws.Float64(2), Sum: aws.Float64(3), Minimum: aws.Float64(2), Maximum: aws.Float64(1)}
		}, "StatisticValues.Minimum (metric \"requests\" {host=a}) is invalid: must not exceed Maximum 1"},
		{"infinite Sum", func(d *types.MetricDatum) {
			d.Value = nil
			d.StatisticValues = &types.StatisticSet{SampleCount: aws.Float64(2), Sum: aws.Float64(math.Inf(-1)), Minimum: aws.Float64(1), Maximum: aws.Float64(1)}
		}, "The value -Inf for parameter MetricData.member.1.StatisticValues.Sum"},
		{"31 dimensions", func(d *types.MetricDatum) { d.Dimensions = dims(31) }, "Dimensions (metric \"requests\" {d0=v, d1=v, d2=v, d3=v, … 27 more}) must not have a size greater than 30"},
		{"duplicate dimension name", func(d *types.MetricDatum) {
			d.Dimensions = append(d.Dimensions, types.Dimension{Name: aws.String("host"), Value: aws.String("b")})
		}, "Dimensions.member.2.Name (metric \"requests\" {host=a, host=b}) is invalid: duplicates Dimensions.member.1.Name"},
		{"dimension name starting with colon", func(d *types.MetricDatum) { d.Dimensions[0].Name = aws.String(":host") }, "must not start with ':'"},
		{"empty dimension value", func(d *types.MetricDatum) { d.Dimensions[0].Value = aws.String("") }, "Dimensions.member.1.Value (metric \"requests\" {host=}) is invalid: length 0 is outside 1..1024"},
		{"dimension value 1025 chars", func(d *types.MetricDatum) { d.Dimensions[0].Value = long(1025) }, "length 1025 is outside 1..1024"},
		{"dimension name 256 chars", func(d *types.MetricDatum) { d.Dimensions[0].Name = long(256) }, "Dimensions.member.1.Name"},
		{"metric name 256 chars", func(d *types.MetricDatum) { d.MetricName = long(256) }, "MetricName (metric \"xxxx"},
		{"empty metric name", func(d *types.MetricDatum) { d.MetricName = aws.String("") }, "length 0 is outside 1..255"},
		{"invalid UTF-8", func(d *types.MetricDatum) { d.MetricName = aws.String("bad\xffname") }, "must be valid UTF-8"},
		{"control character", func(d *types.MetricDatum) { d.Dimensions[0].Value = aws.String("a\nb") }, "control character U+000A"},
		{"timestamp 15 days old", func(d *types.MetricDatum) { d.Timestamp = aws.Time(time.Now().Add(-15 * 24 * time.Hour)) }, "must be no more than two weeks in the past"},
		{"timestamp 3h ahead", func(d *types.MetricDatum) { d.Timestamp = aws.Time(time.Now().Add(3 * time.Hour)) }, "must be no more than two hours in the future"},
		{"StorageResolution 5", func(d *types.MetricDatum) { d.StorageResolution = aws.Int32(5) }, "The value 5 for parameter MetricData.member.1.StorageResolution"},
		{"unknown unit", func(d *types.MetricDatum) { d.Unit = "Furlongs" }, "The value \"Furlongs\" for parameter MetricData.member.1.Unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newFake(t)
			d := validDatum()
			tt.mutate(&d)
			err := put(t, c, "App/Invalid", d)

			var ipv *types.InvalidParameterValueException
			require.ErrorAs(t, err, &ipv)
			assert.Contains(t, ipv.ErrorMessage(), tt.want, "the first violation is the message")
			v := s.Violations()
			require.NotEmpty(t, v)
			assert.Contains(t, v[0], tt.want)
			reqs := s.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "InvalidParameterValue", reqs[0].Outcome)
			assert.Equal(t, v, reqs[0].Violations)
			assert.Empty(t, s.Datums())
		})
	}
}

func TestInvalidRequestsAreViolations(t *testing.T) {
	many := func(n int) []types.MetricDatum {
		out := make([]types.MetricDatum, n)
		for i := range out {
			out[i] = validDatum()
		}
		return out
	}
	tests := []struct {
		name string
		ns   string
		data []types.MetricDatum
		want string
	}{
		{"AWS/ namespace", "AWS/EC2", many(1), "The value \"AWS/EC2\" for parameter Namespace is invalid"},
		{"namespace starting with colon", ":ns", many(1), "for parameter Namespace is invalid: must not start with ':'"},
		{"empty namespace", "", many(1), "length 0 is outside 1..255"},
		{"namespace 256 chars", strings.Repeat("n", 256), many(1), "length 256 is outside 1..255"},
		{"no datums", "App/X", []types.MetricDatum{}, "The collection MetricData must not be empty"},
		{"1001 datums", "App/X", many(1001), "must not have a size greater than 1000 (got 1001)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newFake(t)
			err := put(t, c, tt.ns, tt.data...)
			var ipv *types.InvalidParameterValueException
			require.ErrorAs(t, err, &ipv)
			assert.Contains(t, ipv.ErrorMessage(), tt.want)
			require.NotEmpty(t, s.Violations())
			assert.Contains(t, s.Violations()[0], tt.want)
		})
	}
}

func TestOversizedBodyIs413RequestEntityTooLarge(t *testing.T) {
	s, c := newFake(t)
	// A datum with 150 Values/Counts is ~2.9 KB of CBOR: 400 make ~1.2 MB.
	data := make([]types.MetricDatum, 400)
	for i := range data {
		d := validDatum()
		d.Value = nil
		d.Values, d.Counts = make([]float64, 150), make([]float64, 150)
		for j := range d.Values {
			d.Values[j], d.Counts[j] = float64(i*150+j), 1
		}
		data[i] = d
	}
	err := put(t, c, "App/Big", data...)

	var apiErr smithy.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, "RequestEntityTooLarge", apiErr.ErrorCode())
	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, http.StatusRequestEntityTooLarge, re.HTTPStatusCode())

	reqs := s.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "RequestEntityTooLarge", reqs[0].Outcome)
	assert.Greater(t, reqs[0].RawBytes, fakecw.MaxRequestBytes)
	assert.True(t, reqs[0].Gzipped)
	assert.Len(t, reqs[0].Datums, 400, "the body is still decoded for inspection")
	assert.Contains(t, s.Violations(), fmt.Sprintf("Request size %d exceeded 1000000 bytes.", reqs[0].RawBytes))
}

func TestRejectDatumLetsAClientBisect(t *testing.T) {
	s, c := newFake(t)
	s.RejectDatum(func(d fakecw.Datum) bool { return d.MetricName == "poison" })

	good, bad := validDatum(), validDatum()
	bad.MetricName = aws.String("poison")
	err := put(t, c, "App/Poison", good, good, bad)
	var ipv *types.InvalidParameterValueException
	require.ErrorAs(t, err, &ipv)
	assert.Contains(t, ipv.ErrorMessage(), `"poison"`)
	assert.Contains(t, ipv.ErrorMessage(), "MetricData.member.3")

	require.NoError(t, put(t, c, "App/Poison", good, good))
	assert.Error(t, put(t, c, "App/Poison", bad))

	var outcomes []string
	for _, r := range s.Requests() {
		outcomes = append(outcomes, r.Outcome)
	}
	assert.Equal(t, []string{"InvalidParameterValue", "ok", "InvalidParameterValue"}, outcomes)
	assert.Len(t, s.Datums(), 2)
	assert.Empty(t, s.Violations(), "a poisoned datum is not a contract violation")
}

func TestFailNextThenSuccess(t *testing.T) {
	s, c := newFake(t)
	s.FailNext(2, fakecw.Throttling())
	s.FailNext(1, fakecw.InternalError())

	var errs []error
	for range 4 {
		errs = append(errs, put(t, c, "App/Retry", validDatum()))
	}
	for i, want := range []string{"Throttling", "Throttling", "InternalServiceError"} {
		var apiErr smithy.APIError
		require.ErrorAs(t, errs[i], &apiErr, "call %d", i)
		assert.Equal(t, want, apiErr.ErrorCode(), "call %d", i)
	}
	assert.NoError(t, errs[3])

	var outcomes []string
	for _, r := range s.Requests() {
		outcomes = append(outcomes, r.Outcome)
	}
	assert.Equal(t, []string{"Throttling", "Throttling", "InternalServiceError", "ok"}, outcomes)
	assert.Len(t, s.Accepted(), 1)
	assert.Len(t, s.Datums(), 1)
}

func TestResponderSeesDecodedRequestBeforeValidation(t *testing.T) {
	s, c := newFake(t)
	var mu sync.Mutex
	var seen []string
	s.SetResponder(func(r *fakecw.Request) *fakecw.Fault {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.Namespace)
		if r.Namespace == "App/Throttled" {
			f := fakecw.Throttling()
			return &f
		}
		return nil
	})

	var apiErr smithy.APIError
	require.ErrorAs(t, put(t, c, "App/Throttled", validDatum()), &apiErr)
	assert.Equal(t, "Throttling", apiErr.ErrorCode())
	require.NoError(t, put(t, c, "App/Fine", validDatum()))
	assert.Error(t, put(t, c, "AWS/Invalid", validDatum()), "nil means validate as usual")
	assert.Equal(t, []string{"App/Throttled", "App/Fine", "AWS/Invalid"}, seen)

	s.SetResponder(nil)
	require.NoError(t, put(t, c, "App/Throttled", validDatum()))
}

// rawPut sends a hand-built request, to check what the SDK cannot get wrong.
func rawPut(t *testing.T, s *fakecw.Server, path string, body []byte, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(callCtx(t), http.MethodPost, s.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })
	return resp
}

func validHeaders() map[string]string {
	return map[string]string{
		"Smithy-Protocol":   "rpc-v2-cbor",
		"Content-Type":      "application/cbor",
		"X-Amzn-Query-Mode": "true",
		"Authorization":     "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/monitoring/aws4_request, SignedHeaders=host;x-amz-date, Signature=00",
	}
}

func validBody() []byte {
	return cbor.Encode(cbor.Map{
		"Namespace": cbor.String("App/Raw"),
		"MetricData": cbor.List{cbor.Map{
			"MetricName": cbor.String("m"),
			// An integer timestamp and value are valid CBOR for the shapes.
			"Timestamp": &cbor.Tag{ID: 1, Value: cbor.Uint(time.Now().Unix())},
			"Value":     cbor.Uint(3),
		}},
	})
}

func TestSuccessResponseIsAnEmptyCBORMap(t *testing.T) {
	s := fakecw.New()
	defer s.Close()
	resp := rawPut(t, s, fakecw.Path, validBody(), validHeaders())
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, []byte{0xa0}, body)
	assert.Equal(t, "application/cbor", resp.Header.Get("Content-Type"))
	assert.Equal(t, "rpc-v2-cbor", resp.Header.Get("Smithy-Protocol"))
	assert.NotEmpty(t, resp.Header.Get("X-Amzn-Requestid"))

	d := s.Datums()
	require.Len(t, d, 1)
	assert.Equal(t, 3.0, *d[0].Value)
	assert.Equal(t, time.Now().Unix(), d[0].Timestamp.Unix(), 2)
}

func TestTransportViolations(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		header map[string]string
		body   []byte
		want   string
	}{
		{"wrong path", "/", nil, nil, `The request path "/" is invalid`},
		{"missing Smithy-Protocol", fakecw.Path, map[string]string{"Smithy-Protocol": ""}, nil, "header Smithy-Protocol"},
		{"JSON content type", fakecw.Path, map[string]string{"Content-Type": "application/x-amz-json-1.0"}, nil, "header Content-Type"},
		{"missing query mode", fakecw.Path, map[string]string{"X-Amzn-Query-Mode": ""}, nil, "header X-Amzn-Query-Mode"},
		{"unsigned", fakecw.Path, map[string]string{"Authorization": ""}, nil, "header Authorization is invalid"},
		{"wrong signing name", fakecw.Path, map[string]string{"Authorization": "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/cloudwatch/aws4_request, SignedHeaders=host, Signature=00"}, nil, "credential scope"},
		{"gzip header on a plain body", fakecw.Path, map[string]string{"Content-Encoding": "gzip"}, nil, "not valid gzip"},
		{"not CBOR", fakecw.Path, nil, []byte("Action=PutMetricData&Version=2010-08-01"), "The request body is not a CBOR map (it starts with a byte string)"},
		{"truncated CBOR", fakecw.Path, nil, validBody()[:20], "The request body is not valid CBOR"},
		{"wrong field type", fakecw.Path, nil, cbor.Encode(cbor.Map{"Namespace": cbor.Uint(1), "MetricData": cbor.List{}}), "The parameter Namespace is invalid: want a text string, got an integer"},
		{"StatisticValues missing a field", fakecw.Path, nil, cbor.Encode(cbor.Map{"Namespace": cbor.String("n"), "MetricData": cbor.List{cbor.Map{
			"MetricName":      cbor.String("m"),
			"StatisticValues": cbor.Map{"SampleCount": cbor.Float64(1), "Sum": cbor.Float64(1), "Minimum": cbor.Float64(1)},
		}}}), "The parameter MetricData.member.1.StatisticValues.Maximum is required."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fakecw.New()
			defer s.Close()
			h := validHeaders()
			for k, v := range tt.header {
				h[k] = v
			}
			body := tt.body
			if body == nil {
				body = validBody()
			}
			resp := rawPut(t, s, tt.path, body, h)
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, "InvalidParameterValue;Sender", resp.Header.Get("X-Amzn-Query-Error"))

			errBody, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			v, err := cbor.Decode(errBody)
			require.NoError(t, err)
			m, ok := v.(cbor.Map)
			require.True(t, ok)
			assert.Equal(t, cbor.String("com.amazonaws.cloudwatch#InvalidParameterValueException"), m["__type"])
			assert.Equal(t, m["message"], m["Message"])

			require.NotEmpty(t, s.Violations())
			assert.Contains(t, strings.Join(s.Violations(), "\n"), tt.want)
		})
	}
}

func TestWaitForRequests(t *testing.T) {
	s, c := newFake(t)
	go func() {
		for range 3 {
			_ = put(t, c, "App/Wait", validDatum())
		}
	}()
	require.NoError(t, s.WaitForRequests(callCtx(t), 3))
	require.NoError(t, s.WaitForDatums(callCtx(t), 3))

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err := s.WaitForRequests(ctx, 4)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "3 of 4 requests")
}

func TestResetForgetsRecordsAndInjections(t *testing.T) {
	s, c := newFake(t)
	require.Error(t, put(t, c, "AWS/Bad", validDatum()))
	s.FailNext(5, fakecw.Throttling())
	s.RejectDatum(func(fakecw.Datum) bool { return true })

	s.Reset()
	assert.Empty(t, s.Requests())
	assert.Empty(t, s.Violations())
	require.NoError(t, put(t, c, "App/Fresh", validDatum()))
	assert.Len(t, s.Datums(), 1)
}

func TestDiscardHistoryStillCountsAndNotifies(t *testing.T) {
	s, c := newFake(t)
	s.DiscardHistory(true)
	var mu sync.Mutex
	var got []fakecw.Request
	s.OnRequest(func(r fakecw.Request) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, r)
	})
	require.NoError(t, put(t, c, "App/Load", validDatum(), validDatum()))
	require.Error(t, put(t, c, "AWS/Load", validDatum()))
	require.NoError(t, s.WaitForDatums(callCtx(t), 2))

	assert.Empty(t, s.Requests())
	assert.Empty(t, s.Violations())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, "ok", got[0].Outcome)
	assert.Len(t, got[0].Datums, 2)
	assert.NotEmpty(t, got[1].Violations)
}
