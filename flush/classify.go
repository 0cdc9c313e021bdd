package flush

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// outcome is what the Flusher does after a Publish.
type outcome int

const (
	delivered outcome = iota
	retry             // 5xx, network error, call timeout: same request, after a backoff
	throttled         // Throttling & co.: same request, after a backoff
	bisect            // CloudWatch refuses some datum(s): split to isolate them
	tooLarge          // 413: split
	fatal             // e.g. no credentials, access denied: counted and dropped
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"delivered", "retry", "throttled", "invalid", "too_large", "failed"}

func (o outcome) String() string { return outcomeNames[o] }

// Outcomes names the outcomes of a call, in the order Flusher.Requests
// counts them.
func Outcomes() []string { return outcomeNames[:] }

var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "LimitExceeded": true,
	"RequestLimitExceeded": true, "TooManyRequestsException": true,
}

// retryCodes are errors of the moment, whatever their status: expired or
// skewed signatures (the SDK's own retryer would re-sign; ours is off) and
// services that are briefly unavailable.
var retryCodes = map[string]bool{
	"RequestExpired": true, "ExpiredToken": true, "ExpiredTokenException": true,
	"SignatureDoesNotMatch": true, "InvalidSignatureException": true, "RequestTimeTooSkewed": true,
	"RequestTimeout": true, "RequestTimeoutException": true, "ServiceUnavailable": true,
	"ServiceUnavailableException": true, "InternalFailure": true, "InternalServiceError": true,
	"IDPCommunicationError": true,
}

// invalidCodes are CloudWatch's verdicts on the data. The query-compatible
// codes come from X-Amzn-Query-Error; the shape names are what a modeled
// error reports when that header is missing.
var invalidCodes = map[string]bool{
	"InvalidParameterValue": true, "InvalidParameterCombination": true, "MissingParameter": true,
	"InvalidParameterValueException": true, "InvalidParameterCombinationException": true,
	"MissingRequiredParameterException": true,
}

// classify maps a Publish error to an outcome, by error code first and by
// HTTP status for bodies the SDK could not decode (a proxy's 413 or 502).
func classify(err error) outcome {
	if err == nil {
		return delivered
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch code := api.ErrorCode(); {
		case throttleCodes[code]:
			return throttled
		case invalidCodes[code]:
			return bisect
		case retryCodes[code]:
			return retry
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch s := statusOf(re); {
		case s >= 200 && s < 300:
			return delivered // accepted; only reading the answer failed
		case s == 0:
			return retry // no response at all: refused, reset, or the call's deadline
		case s == 429:
			return throttled
		case s == 413:
			return tooLarge
		case s >= 500, s == 408:
			return retry
		case s == 400 && api == nil:
			return retry // an undecodable 400 is no verdict on the data
		}
		return fatal
	}
	if api != nil && api.ErrorFault() == smithy.FaultServer {
		return retry
	}
	if errors.Is(err, context.Canceled) {
		return retry // the caller's shutdown deadline decides, not this call
	}
	// Everything without an HTTP response: refused or reset connections, DNS,
	// timeouts, credential fetches that failed for a moment.
	return retry
}

// maxRetryAfter bounds how long a Retry-After header can hold a request.
const maxRetryAfter = 5 * time.Minute

// retryAfter is the wait a Retry-After header asks for (seconds or an HTTP
// date), or 0.
func retryAfter(err error) time.Duration {
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.Response == nil || re.Response.Response == nil {
		return 0
	}
	h := re.Response.Header.Get("Retry-After")
	if h == "" {
		return 0
	}
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		if secs >= int(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(time.Until(t), 0), maxRetryAfter)
	}
	return 0
}

// answered reports whether the server sent a status: only then does a
// failure say anything about the request's body.
func answered(err error) bool {
	var re *awshttp.ResponseError
	return errors.As(err, &re) && statusOf(re) != 0
}

// statusOf is the HTTP status of re, 0 when there was no response at all
// (the SDK leaves Response nil or empty then).
func statusOf(re *awshttp.ResponseError) int {
	if re.Response == nil || re.Response.Response == nil {
		return 0
	}
	return re.Response.StatusCode
}
