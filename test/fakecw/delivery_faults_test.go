package fakecw_test

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

func outcomes(s *fakecw.Server) []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, r.Outcome)
	}
	return out
}

func TestRateLimitThrottlesBeyondTheBurst(t *testing.T) {
	s, c := newFake(t)
	// A slow refill (one token per 100 s) keeps the count exact however slow
	// the machine is.
	s.SetRateLimit(0.01, 3)
	var errs []error
	for range 5 {
		errs = append(errs, put(t, c, "App/Limit", validDatum()))
	}
	for i := range 3 {
		assert.NoError(t, errs[i], "call %d is within the burst", i)
	}
	for i := 3; i < 5; i++ {
		var apiErr smithy.APIError
		require.ErrorAs(t, errs[i], &apiErr, "call %d", i)
		assert.Equal(t, "Throttling", apiErr.ErrorCode())
		assert.Equal(t, "Rate exceeded", apiErr.ErrorMessage())
		var re *awshttp.ResponseError
		require.ErrorAs(t, errs[i], &re)
		assert.Equal(t, http.StatusBadRequest, re.HTTPStatusCode())
	}
	assert.Equal(t, []string{"ok", "ok", "ok", "Throttling", "Throttling"}, outcomes(s))
	assert.Len(t, s.Datums(), 3)
	assert.Empty(t, s.Violations())

	s.SetRateLimit(0, 0)
	require.NoError(t, put(t, c, "App/Limit", validDatum()), "rps <= 0 removes the limit")
}

func TestRateLimitRefills(t *testing.T) {
	s, c := newFake(t)
	s.SetRateLimit(2, 1) // a token every 500 ms
	require.NoError(t, put(t, c, "App/Refill", validDatum()))
	require.Error(t, put(t, c, "App/Refill", validDatum()), "the bucket holds one token")
	time.Sleep(700 * time.Millisecond)
	require.NoError(t, put(t, c, "App/Refill", validDatum()), "refilled after 700 ms")
}

func TestRateLimitIsSharedByAllClients(t *testing.T) {
	s, _ := newFake(t)
	s.SetRateLimit(0.01, 10)
	var wg sync.WaitGroup
	for range 4 {
		c := newClient(s) // a client (and connection pool) of its own
		wg.Go(func() {
			for range 10 {
				_ = put(t, c, "App/Fleet", validDatum())
			}
		})
	}
	wg.Wait()
	n := map[string]int{}
	for _, o := range outcomes(s) {
		n[o]++
	}
	assert.Equal(t, map[string]int{"ok": 10, "Throttling": 30}, n)
}

func TestRateLimitComesAfterInjectedFaultsAndBeforeValidation(t *testing.T) {
	s, c := newFake(t)
	s.SetRateLimit(0.01, 1)
	s.FailNext(2, fakecw.InternalError())
	require.Error(t, put(t, c, "App/Order", validDatum()))
	require.Error(t, put(t, c, "App/Order", validDatum()))
	// The injected faults spent no token: the invalid request gets it and is
	// rejected by validation; the next valid one finds the bucket empty.
	require.Error(t, put(t, c, "AWS/Invalid", validDatum()))
	require.Error(t, put(t, c, "App/Order", validDatum()))
	assert.Equal(t, []string{"InternalServiceError", "InternalServiceError", "InvalidParameterValue", "Throttling"}, outcomes(s))

	s.Reset()
	require.NoError(t, put(t, c, "App/Order", validDatum()), "Reset removes the limit")
	require.NoError(t, put(t, c, "App/Order", validDatum()))
}

func TestConnectionResetFailsTheCallWithoutAResponse(t *testing.T) {
	s, c := newFake(t)
	// Warm a keep-alive connection first: a reset on a reused connection must
	// not be replayed by the transport either.
	require.NoError(t, put(t, c, "App/Reset", validDatum()))
	s.FailNext(1, fakecw.ConnectionReset())
	err := put(t, c, "App/Reset", validDatum())
	require.Error(t, err)
	t.Logf("SDK error for a reset connection: %T: %v", err, err)

	var re *awshttp.ResponseError
	require.ErrorAs(t, err, &re, "the SDK wraps transport errors in a ResponseError")
	assert.Equal(t, 0, re.HTTPStatusCode(), "no response, no status")
	var send *smithyhttp.RequestSendError
	assert.ErrorAs(t, err, &send)
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr)
	assert.ErrorIs(t, err, syscall.ECONNRESET)
	var apiErr smithy.APIError
	assert.False(t, errors.As(err, &apiErr), "no error code without a response")

	require.NoError(t, put(t, c, "App/Reset", validDatum()), "the next call gets a fresh connection")
	reqs := s.Requests()
	require.Len(t, reqs, 3, "exactly one attempt reached the fake: the transport did not replay the POST")
	assert.Equal(t, fakecw.OutcomeConnectionReset, reqs[1].Outcome)
	assert.Equal(t, 0, reqs[1].Status)
	assert.Len(t, reqs[1].Datums, 1, "the request was read in full before the reset")
	assert.Len(t, s.Datums(), 2)
	assert.Empty(t, s.Violations())
}

func TestConnectionResetsInterleaveWithOtherFaults(t *testing.T) {
	s, c := newFake(t)
	s.FailNext(1, fakecw.ConnectionReset())
	s.FailNext(1, fakecw.InternalError())
	s.FailNext(1, fakecw.ConnectionReset())
	s.SetResponder(func(r *fakecw.Request) *fakecw.Fault {
		if r.Namespace == "App/ResetMe" {
			f := fakecw.ConnectionReset()
			return &f
		}
		return nil
	})
	for range 3 {
		require.Error(t, put(t, c, "App/Mixed", validDatum()))
	}
	require.Error(t, put(t, c, "App/ResetMe", validDatum()))
	require.NoError(t, put(t, c, "App/Mixed", validDatum()))
	assert.Equal(t, []string{"ConnectionReset", "InternalServiceError", "ConnectionReset", "ConnectionReset", "ok"}, outcomes(s))
}

func TestRetryAfterIsSent(t *testing.T) {
	tests := []struct {
		name  string
		fault fakecw.Fault
	}{
		{"with a code", fakecw.Fault{Status: 400, Code: "Throttling", Message: "Rate exceeded", RetryAfter: "2"}},
		{"empty body", fakecw.Fault{Status: 503, Body: []byte{}, RetryAfter: "7"}},
		{"HTTP date", fakecw.Fault{Status: 429, RetryAfter: "Wed, 21 Oct 2015 07:28:00 GMT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newFake(t)
			s.FailNext(1, tt.fault)
			err := put(t, c, "App/RetryAfter", validDatum())
			var re *awshttp.ResponseError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, tt.fault.Status, re.HTTPStatusCode())
			assert.Equal(t, tt.fault.RetryAfter, re.Response.Header.Get("Retry-After"))

			// And on the raw wire.
			s.FailNext(1, tt.fault)
			resp := rawPut(t, s, fakecw.Path, validBody(), validHeaders())
			assert.Equal(t, tt.fault.RetryAfter, resp.Header.Get("Retry-After"))
			assert.Equal(t, tt.fault.Status, resp.StatusCode)
		})
	}
	t.Run("absent unless set", func(t *testing.T) {
		s, _ := newFake(t)
		s.FailNext(1, fakecw.Throttling())
		resp := rawPut(t, s, fakecw.Path, validBody(), validHeaders())
		_, present := resp.Header["Retry-After"]
		assert.False(t, present, fmt.Sprint(resp.Header))
	})
}
