package flush

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/aggregate"
)

func statusErr(status int, header http.Header) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(strings.NewReader(""))}},
		Err:      io.EOF}}
}

func statusErrWith(status int, err error) error {
	return &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}}, Err: err}}
}

// An outage (connection refused) must not fragment requests: when it ends,
// one call delivers the whole request.
func TestRun_OutageDoesNotFragmentRequests(t *testing.T) {
	for _, down := range []error{
		statusErrWith(0, syscall.ECONNREFUSED), // as the SDK reports a refused connection
		statusErr(500, nil),                    // the service down for everyone: nothing else gets through either
	} {
		synctest.Test(t, func(t *testing.T) {
			start := time.Now()
			pub := &memPub{fail: func(context.Context, int, *Request) error {
				if time.Since(start) < 5*time.Minute {
					return down
				}
				return nil
			}}
			fl := New(pub, Options{Namespace: "StatsD", MaxRequestsPerSecond: 20, Burst: 5, MaxConcurrency: 4})
			in := make(chan aggregate.Batch, 2)
			in <- batch(time.Now(), counters("a", 1000))
			in <- batch(time.Now(), counters("b", 1000))
			close(in)
			<-startRun(t.Context(), fl, in)
			assert.Equal(t, uint64(2000), fl.Delivered.Load())
			assert.Equal(t, uint64(2), fl.DeliveredRequests(), "%v: the requests were not split", down)
		})
	}
}

// A rejection about the whole request (a clock CloudWatch disagrees with)
// costs a bounded number of calls, not 2n-1.
func TestRun_RequestWideRejectionIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{fail: func(context.Context, int, *Request) error {
			return &types.InvalidParameterValueException{Message: new("The parameter MetricData.member.1.Timestamp must be ...")}
		}}
		fl := New(pub, Options{Namespace: "StatsD"})
		in := make(chan aggregate.Batch, 1)
		in <- batch(time.Now(), counters("c", 1000))
		close(in)
		<-startRun(t.Context(), fl, in)
		assert.LessOrEqual(t, len(pub.Calls()), maxFamilyRejections+1)
		assert.Equal(t, map[string]uint64{"rejected": 1000}, fl.Drops.Snapshot())
	})
}

func TestRun_MaxAgeIsCheckedBeforeEverySend(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pub := &memPub{}
		fl := New(pub, Options{Namespace: "StatsD", MaxDatums: 1, MaxRequestsPerSecond: 0.1, Burst: 1, MaxAge: time.Minute})
		in := make(chan aggregate.Batch, 1)
		start := time.Now()
		in <- batch(start, counters("c", 20))
		close(in)
		<-startRun(t.Context(), fl, in)
		for _, c := range pub.Calls() {
			assert.LessOrEqual(t, c.at.Sub(start), time.Minute)
		}
		assert.Equal(t, uint64(20), fl.Delivered.Load()+fl.Drops.Get(dropTooOld))
		assert.Positive(t, fl.Drops.Get(dropTooOld))
	})
}

func TestRetryAfter_Forms(t *testing.T) {
	f := func(h string, want time.Duration) {
		t.Helper()
		assert.Equal(t, want, retryAfter(statusErr(503, http.Header{"Retry-After": {h}})), h)
	}
	f("7", 7*time.Second)
	f("10000000000", maxRetryAfter)
	f("-1", 0)
	f("soon", 0)
	assert.Zero(t, retryAfter(errors.New("plain")))
}

func TestClassify_AnsweredTwoHundredIsDelivered(t *testing.T) {
	assert.Equal(t, delivered, classify(statusErr(200, nil)))
	assert.True(t, answered(statusErr(502, nil)))
	assert.False(t, answered(statusErrWith(0, syscall.ECONNRESET)))
}

func TestDiscard_CountsWhatComesAfterTheDeadline(t *testing.T) {
	fl := New(&memPub{}, Options{Namespace: "StatsD"})
	in := make(chan aggregate.Batch, 2)
	in <- batch(time.Now(), counters("c", 7))
	close(in)
	fl.Discard(in)
	require.Equal(t, map[string]uint64{"shutdown_timeout": 7}, fl.Drops.Snapshot())
}
