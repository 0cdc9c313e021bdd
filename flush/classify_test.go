package flush

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// sdkError is the error the real SDK client returns when fakecw answers one
// small request with fault.
func sdkError(t *testing.T, fault fakecw.Fault) error {
	t.Helper()
	srv, pub := newFake(t)
	srv.FailNext(1, fault)
	err := pub.Publish(callCtx(t), oneRequest())
	require.Len(t, srv.Requests(), 1)
	return err
}

// oneRequest is a valid one-datum request.
func oneRequest() *Request {
	return &Request{Namespace: "StatsD", Timestamp: time.Now().Truncate(time.Minute), Resolution: 60,
		Datums: counters("c", 1)}
}

func TestClassify_RealSDKErrors(t *testing.T) {
	f := func(name string, err error, want outcome, check func(t *testing.T, err error)) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			if check != nil {
				check(t, err)
			}
			assert.Equal(t, want, classify(err), "%v", err)
		})
	}
	httpStatus := func(status int) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, status, re.HTTPStatusCode())
		}
	}
	code := func(status int, code string) func(t *testing.T, err error) {
		return func(t *testing.T, err error) {
			httpStatus(status)(t, err)
			var api smithy.APIError
			require.ErrorAs(t, err, &api)
			assert.Equal(t, code, api.ErrorCode())
		}
	}

	f("success", nil, delivered, nil)
	f("Throttling", sdkError(t, fakecw.Throttling()), throttled, code(400, "Throttling"))
	f("LimitExceeded", sdkError(t, fakecw.Fault{Status: 400, Code: "LimitExceeded", Message: "Rate exceeded"}),
		throttled, code(400, "LimitExceeded"))
	f("ThrottlingException", sdkError(t, fakecw.Fault{Status: 400, Code: "ThrottlingException", Message: "Rate exceeded"}),
		throttled, code(400, "ThrottlingException"))
	f("429 with an empty body", sdkError(t, fakecw.Fault{Status: http.StatusTooManyRequests, Body: []byte{}}),
		throttled, httpStatus(429))
	f("429 with a code", sdkError(t, fakecw.Fault{Status: http.StatusTooManyRequests, Code: "TooManyRequestsException"}),
		throttled, httpStatus(429))

	f("InternalError", sdkError(t, fakecw.InternalError()), retry, func(t *testing.T, err error) {
		code(500, "InternalServiceError")(t, err)
		var fault *types.InternalServiceFault
		assert.ErrorAs(t, err, &fault)
	})
	f("502 with an HTML body", sdkError(t, fakecw.Fault{Status: http.StatusBadGateway,
		Body: []byte("<html><body><h1>502 Bad Gateway</h1></body></html>")}), retry, httpStatus(502))
	f("503 with an empty body", sdkError(t, fakecw.Fault{Status: http.StatusServiceUnavailable, Body: []byte{}}),
		retry, httpStatus(503))
	f("408 with an empty body", sdkError(t, fakecw.Fault{Status: http.StatusRequestTimeout, Body: []byte{}}),
		retry, httpStatus(408))
	f("400 with an empty body", sdkError(t, fakecw.Fault{Status: http.StatusBadRequest, Body: []byte{}}),
		retry, httpStatus(400))

	f("InvalidParameterValue", sdkError(t, fakecw.InvalidParameter("bad datum")), bisect, func(t *testing.T, err error) {
		code(400, "InvalidParameterValue")(t, err)
		var ipv *types.InvalidParameterValueException
		assert.ErrorAs(t, err, &ipv)
	})
	f("InvalidParameterCombination", sdkError(t, fakecw.Fault{Status: 400, Code: "InvalidParameterCombination", Message: "x"}),
		bisect, code(400, "InvalidParameterCombination"))
	f("MissingParameter", sdkError(t, fakecw.Fault{Status: 400, Code: "MissingParameter", Message: "x"}),
		bisect, code(400, "MissingParameter"))

	f("TooLarge", sdkError(t, fakecw.TooLarge()), tooLarge, httpStatus(413))
	f("413 with a code", sdkError(t, fakecw.Fault{Status: 413, Code: "RequestEntityTooLarge", Message: "too big"}),
		tooLarge, httpStatus(413))

	f("403 AccessDenied", sdkError(t, fakecw.Fault{Status: http.StatusForbidden, Code: "AccessDenied",
		Message: "User: arn:aws:iam::123456789012:user/x is not authorized to perform: cloudwatch:PutMetricData"}),
		fatal, code(403, "AccessDenied"))
	f("404 with an empty body", sdkError(t, fakecw.Fault{Status: http.StatusNotFound, Body: []byte{}}),
		fatal, httpStatus(404))

	// No HTTP response at all.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	refused := CloudWatch{API: newSDK("http://" + addr)}.Publish(callCtx(t), oneRequest())
	f("connection refused", refused, retry, func(t *testing.T, err error) {
		var op *net.OpError
		assert.ErrorAs(t, err, &op)
	})

	// The server holds the call past its deadline.
	srv, pub := newFake(t)
	release := make(chan struct{})
	srv.SetResponder(func(*fakecw.Request) *fakecw.Fault { <-release; return nil })
	short, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	timedOut := pub.Publish(short, oneRequest())
	close(release)
	f("a call that timed out in flight", timedOut, retry, func(t *testing.T, err error) {
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})

	f("context.DeadlineExceeded", context.DeadlineExceeded, retry, nil)
	f("context.Canceled", context.Canceled, retry, nil)
	f("a wrapped DeadlineExceeded", fmt.Errorf("operation error: %w", context.DeadlineExceeded), retry, nil)

	srv, pub = newFake(t)
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	f("a real call past its deadline", pub.Publish(expired, oneRequest()), retry, func(t *testing.T, err error) {
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	assert.Empty(t, srv.Requests())

	f("any other error", errors.New("no EC2 IMDS role found"), retry, nil)
}

func TestOutcome_String(t *testing.T) {
	for o := range numOutcomes {
		assert.NotEmpty(t, o.String())
	}
	assert.Equal(t, "throttled", throttled.String())
	assert.Equal(t, "invalid", bisect.String())
}
