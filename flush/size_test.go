package flush

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

// captureBody records the uncompressed body the SDK sends and answers 200.
type captureBody struct{ bodies [][]byte }

func (c *captureBody) Do(r *http.Request) (*http.Response, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	c.bodies = append(c.bodies, b)
	return &http.Response{StatusCode: 200, Header: http.Header{"Smithy-Protocol": {"rpc-v2-cbor"}, "Content-Type": {"application/cbor"}},
		Body: io.NopCloser(bytes.NewReader([]byte{0xbf, 0xff})), Request: r}, nil
}

func sdkBodySize(t *testing.T, r *Request) int {
	t.Helper()
	c := &captureBody{}
	client := cloudwatch.New(cloudwatch.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:1"),
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""),
		Retryer:     aws.NopRetryer{}, HTTPClient: c, DisableRequestCompression: true,
	})
	require.NoError(t, CloudWatch{API: client}.Publish(context.Background(), r))
	require.Len(t, c.bodies, 1)
	return len(c.bodies[0])
}

func TestSize_MatchesSDK(t *testing.T) {
	ts := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	many := make([]aggregate.Dimension, 30)
	for i := range many {
		many[i] = aggregate.Dimension{Name: strings.Repeat("n", 255), Value: strings.Repeat("v", 1024)}
	}
	vals := make([]float64, 150)
	for i := range vals {
		vals[i] = float64(i) + 0.5
	}
	f := func(name string, ns string, res int, datums ...aggregate.Datum) {
		t.Helper()
		r := &Request{Namespace: ns, Timestamp: ts, Resolution: res, Datums: datums}
		assert.Equal(t, sdkBodySize(t, r), r.computeSize(), name)
	}
	f("one counter", "StatsD", 60, aggregate.Datum{Name: "hits", Unit: "Count", Stats: aggregate.StatisticSet{SampleCount: 1, Sum: 2, Minimum: 1, Maximum: 1}})
	f("a set value, hi-res", "StatsD", 1, aggregate.Datum{Name: "users", Unit: "Count", HasValue: true, Value: 3})
	f("no unit", "StatsD", 60, aggregate.Datum{Name: "x", HasValue: true, Value: 3})
	f("long strings", strings.Repeat("N", 255), 60, aggregate.Datum{Name: strings.Repeat("m", 255), Unit: "Milliseconds",
		Dimensions: []aggregate.Dimension{{Name: "a", Value: strings.Repeat("é", 512)}, {Name: strings.Repeat("k", 24), Value: strings.Repeat("v", 23)}}})
	f("30 max dimensions", "S", 60, aggregate.Datum{Name: "m", Dimensions: many})
	f("distribution", "StatsD", 60, aggregate.Datum{Name: "lat", Unit: "Milliseconds", Values: vals, Counts: vals,
		Stats: aggregate.StatisticSet{SampleCount: 1, Sum: 2, Minimum: 1, Maximum: 1}})
	f("several", "StatsD", 60,
		aggregate.Datum{Name: "a", HasValue: true, Value: 1},
		aggregate.Datum{Name: "b", Dimensions: []aggregate.Dimension{{Name: "env", Value: "prod"}}, Unit: "None"},
		aggregate.Datum{Name: "c", Values: []float64{1}, Counts: []float64{2}})
}
