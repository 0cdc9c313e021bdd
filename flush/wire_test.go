package flush

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

func TestCountingHTTPClient_CountsWhatGzipLeaves(t *testing.T) {
	srv := fakecw.New()
	defer srv.Close()
	hc := &CountingHTTPClient{Inner: awshttp.NewBuildableClient()}
	client := cloudwatch.New(cloudwatch.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL()), HTTPClient: hc,
		Credentials: credentials.NewStaticCredentialsProvider("AKID", "SECRET", ""), Retryer: aws.NopRetryer{},
		RequestMinCompressSizeBytes: 10240,
	})
	r := &Request{Namespace: "StatsD", Timestamp: time.Now().Truncate(time.Minute), Resolution: 60, Datums: counters("c", 1000)}
	r.size = r.computeSize()
	require.NoError(t, CloudWatch{API: client}.Publish(context.Background(), r))
	got := srv.Accepted()
	require.Len(t, got, 1)
	assert.True(t, got[0].Gzipped)
	assert.Equal(t, uint64(got[0].WireBytes), hc.Sent.Load())
	assert.Equal(t, r.size, got[0].RawBytes)
	t.Logf("1000 counters: %d bytes raw, %d on the wire (%.0f%%)", r.size, hc.Sent.Load(), 100*float64(hc.Sent.Load())/float64(r.size))
}
