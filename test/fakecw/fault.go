package fakecw

import (
	"fmt"
	"net"
	"net/http"
	"strconv"

	"github.com/aws/smithy-go/encoding/cbor"
)

// Fault is an answer to inject instead of the normal one.
type Fault struct {
	// Status is the HTTP status; 0 means 400.
	Status int
	// Code is the query error code ("Throttling", "InvalidParameterValue",
	// ...). It goes into the X-Amzn-Query-Error header, which is what the SDK
	// reports as ErrorCode(), and, mapped to its modeled shape where one
	// exists, into the body's __type, which is what picks the Go error type.
	Code    string
	Message string
	// Body, when non-nil, is sent verbatim instead of a CBOR error document
	// (an empty slice sends an empty body), as a proxy or load balancer would.
	// A Fault with neither Code nor Body also sends an empty body.
	Body []byte
	// RetryAfter, when set, is sent as the Retry-After header (seconds or an
	// HTTP date, verbatim), with or without Code or Body.
	RetryAfter string
	// Reset, when true, answers nothing: once the request body has been read
	// the fake closes the TCP connection with SO_LINGER 0, so the client sees
	// a connection reset instead of a response. Every other field is ignored.
	// Recorded with Outcome "ConnectionReset" and Status 0.
	Reset bool
}

// OutcomeConnectionReset is the Outcome recorded for a Reset fault.
const OutcomeConnectionReset = "ConnectionReset"

// ConnectionReset resets the connection after reading the whole request, as a
// load balancer or NAT that dropped the flow would. The SDK's HTTP/1.1
// transport does not replay a POST, so the call fails once: the SDK returns a
// *smithy.OperationError around an *awshttp.ResponseError with no response
// (HTTPStatusCode() 0, no error code) around a smithyhttp.RequestSendError
// around the *net.OpError "read: connection reset by peer" (errors.Is
// syscall.ECONNRESET). The request may have been received in full: a client
// cannot tell whether it was applied.
func ConnectionReset() Fault { return Fault{Reset: true} }

// Throttling is CloudWatch's answer to exceeding the request quota. The SDK
// returns it as a *smithy.GenericAPIError with ErrorCode() "Throttling".
func Throttling() Fault {
	return Fault{Status: http.StatusBadRequest, Code: "Throttling", Message: "Rate exceeded"}
}

// InternalError is CloudWatch's 500. The SDK returns it as a
// *types.InternalServiceFault with ErrorCode() "InternalServiceError".
func InternalError() Fault {
	return Fault{Status: http.StatusInternalServerError, Code: "InternalServiceError",
		Message: "Internal service error (injected by fakecw)"}
}

// InvalidParameter is a 400 InvalidParameterValue. The SDK returns it as a
// *types.InvalidParameterValueException carrying msg.
func InvalidParameter(msg string) Fault {
	return Fault{Status: http.StatusBadRequest, Code: "InvalidParameterValue", Message: msg}
}

// TooLarge is a 413 with an empty, non-CBOR body, as a proxy or ALB sends it.
// The SDK fails to decode it (*smithy.DeserializationError); clients must
// classify it by the HTTP status of the awshttp.ResponseError around it.
func TooLarge() Fault {
	return Fault{Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge", Body: []byte{}}
}

// SetResponder installs fn, which sees every request (decoded, before
// validation) and returns the Fault to answer with, or nil to behave normally.
// nil removes the responder. fn may be called concurrently.
func (s *Server) SetResponder(fn func(r *Request) *Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.responder = fn
}

// FailNext answers the next n requests with f (after any faults already
// queued), whatever they hold. Queued faults take precedence over the
// responder.
func (s *Server) FailNext(n int, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.queued = append(s.queued, f)
	}
}

// RejectDatum poisons every datum matching pred: a valid request holding one
// is answered 400 InvalidParameterValue naming the first such metric, so a
// client can bisect the batch. Predicates accumulate until Reset.
func (s *Server) RejectDatum(pred func(Datum) bool) {
	if pred == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.poison = append(s.poison, pred)
}

// injectedFault pops a queued fault or asks the responder. The responder runs
// without the lock so it may call the Server's accessors.
func (s *Server) injectedFault(r *Request) *Fault {
	s.mu.Lock()
	if len(s.queued) > 0 {
		f := s.queued[0]
		s.queued = s.queued[1:]
		s.mu.Unlock()
		return &f
	}
	fn := s.responder
	s.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(r)
}

// poisoned reports the rejection message for the first poisoned datum.
func (s *Server) poisoned(datums []Datum) (string, bool) {
	s.mu.Lock()
	preds := append([]func(Datum) bool(nil), s.poison...)
	s.mu.Unlock()
	for i, d := range datums {
		for _, pred := range preds {
			if pred(d) {
				return fmt.Sprintf("The value %q for parameter MetricData.member.%d.MetricName is rejected (metric %s, poisoned by fakecw.RejectDatum).",
					d.MetricName, i+1, describeDatum(d)), true
			}
		}
	}
	return "", false
}

// queryErrorShapes maps query error codes to the modeled error shapes of
// service/cloudwatch. The SDK picks the Go error type from __type (by shape
// name), not from the query code, so __type must carry the shape name:
// "…#InvalidParameterValue" would come back as a GenericAPIError.
var queryErrorShapes = map[string]string{
	"InvalidParameterValue":       "com.amazonaws.cloudwatch#InvalidParameterValueException",
	"InvalidParameterCombination": "com.amazonaws.cloudwatch#InvalidParameterCombinationException",
	"MissingParameter":            "com.amazonaws.cloudwatch#MissingRequiredParameterException",
	"InternalServiceError":        "com.amazonaws.cloudwatch#InternalServiceFault",
	"LimitExceeded":               "com.amazonaws.cloudwatch#LimitExceededFault",
	"InvalidFormat":               "com.amazonaws.cloudwatch#InvalidFormatFault",
	// Throttling is not modeled; this is the shape AWS's frameworks use for
	// it. Any unmodeled __type yields a GenericAPIError whose code is the
	// X-Amzn-Query-Error code.
	"Throttling": "com.amazon.coral.availability#ThrottlingException",
}

func errorType(code string) string {
	if t, ok := queryErrorShapes[code]; ok {
		return t
	}
	return "com.amazonaws.cloudwatch#" + code
}

// writeFault sends f and returns the outcome and status to record.
func (s *Server) writeFault(w http.ResponseWriter, f Fault) (outcome string, status int) {
	if f.Reset {
		resetConnection(w)
		return OutcomeConnectionReset, 0
	}
	status = f.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	outcome = f.Code
	if outcome == "" {
		outcome = "HTTP " + strconv.Itoa(status)
	}

	h := w.Header()
	h.Set("X-Amzn-Requestid", s.nextRequestID())
	if f.RetryAfter != "" {
		h.Set("Retry-After", f.RetryAfter)
	}

	var body []byte
	switch {
	case f.Body != nil:
		body = f.Body
		if len(body) > 0 {
			h.Set("Content-Type", http.DetectContentType(body))
		}
	case f.Code != "":
		fault := "Sender"
		if status >= 500 {
			fault = "Receiver"
		}
		h.Set("Smithy-Protocol", "rpc-v2-cbor")
		h.Set("Content-Type", "application/cbor")
		h.Set("X-Amzn-Query-Error", f.Code+";"+fault)
		// The protocol reads "message"; some modeled errors (e.g.
		// InternalServiceFault) have a member named "Message" instead, and
		// only that fills their ErrorMessage(). Send both.
		body = cbor.Encode(cbor.Map{
			"__type":  cbor.String(errorType(f.Code)),
			"message": cbor.String(f.Message),
			"Message": cbor.String(f.Message),
		})
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return outcome, status
}

// writeOK sends PutMetricData's empty output structure.
func (s *Server) writeOK(w http.ResponseWriter) (outcome string, status int) {
	body := cbor.Encode(cbor.Map{})
	h := w.Header()
	h.Set("X-Amzn-Requestid", s.nextRequestID())
	h.Set("Smithy-Protocol", "rpc-v2-cbor")
	h.Set("Content-Type", "application/cbor")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return outcomeOK, http.StatusOK
}

// resetConnection takes the connection over from net/http and closes it with
// an RST. The fake serves HTTP/1.1 only, where that always works; were it
// ever served over HTTP/2, the handler would abort instead (the client sees a
// broken stream, and the request goes unrecorded).
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
