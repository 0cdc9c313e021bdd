package fakecw

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Dimension is one name/value pair of a datum, as received.
type Dimension struct {
	Name  string
	Value string
}

// StatisticSet mirrors CloudWatch's StatisticSet.
type StatisticSet struct {
	SampleCount float64
	Sum         float64
	Minimum     float64
	Maximum     float64
}

// Datum is one decoded MetricDatum. The JSON tags keep cmd/fakecw's output
// close to the API member names and free of absent fields.
type Datum struct {
	Namespace         string
	MetricName        string
	Dimensions        []Dimension   `json:",omitempty"` // in the order received
	Timestamp         time.Time     `json:",omitzero"`  // zero if absent; ms precision, UTC
	Value             *float64      `json:",omitempty"`
	StatisticValues   *StatisticSet `json:",omitempty"`
	Values            []float64     `json:",omitempty"`
	Counts            []float64     `json:",omitempty"`
	Unit              string        `json:",omitempty"`
	StorageResolution int           `json:",omitempty"` // 0 if absent
}

// Request is one PutMetricData call as the fake saw and answered it.
type Request struct {
	Namespace string
	Datums    []Datum
	RawBytes  int  // decoded (uncompressed) CBOR body length
	WireBytes int  // bytes on the wire (gzipped length if gzipped)
	Gzipped   bool // Content-Encoding: gzip
	Received  time.Time
	// Outcome is "ok", or the error code answered ("Throttling",
	// "InvalidParameterValue", "InternalServiceError",
	// "RequestEntityTooLarge", ...), or "HTTP <status>" for a fault without a
	// code, or "ConnectionReset" when the connection was reset instead of
	// answered (see ConnectionReset).
	Outcome    string
	Status     int      // HTTP status answered; 0 for a reset connection
	Violations []string // contract violations found in this request
}

// MaxRequestBytes is CloudWatch's PutMetricData request size limit. The fake
// applies it to the uncompressed body, which satisfies both readings of the
// (undocumented) rule for gzipped bodies.
const MaxRequestBytes = 1_000_000

// maxReadBytes bounds how much the fake reads or inflates per request, so a
// runaway client cannot exhaust memory; anything larger is rejected as too
// large anyway.
const maxReadBytes = 64 << 20

// Server is a running fake. All methods are safe for concurrent use.
type Server struct {
	http *http.Server
	ln   net.Listener
	url  string
	now  func() time.Time // the clock Timestamp limits are checked against

	mu             sync.Mutex
	requests       []Request
	violations     []string
	total          int           // requests answered since New/Reset, kept even without history
	acceptedDatums int           // datums accepted since New/Reset, kept even without history
	changed        chan struct{} // closed and replaced whenever a request is recorded
	discardHistory bool
	queued         []Fault
	responder      func(*Request) *Fault
	poison         []func(Datum) bool
	onRequest      func(Request)
	requestIDs     int
	limit          bucket // SetRateLimit's quota; zero admits everything
}

// New starts a fake on a loopback port. Close stops it.
func New() *Server {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		// IPv6-only hosts have no 127.0.0.1; same fallback as httptest.
		if ln, err = net.Listen("tcp6", "[::1]:0"); err != nil {
			panic(fmt.Sprintf("fakecw: listen on a loopback port: %v", err))
		}
	}
	return NewWithListener(ln)
}

// NewWithListener serves the fake on ln, which it takes ownership of. Close
// stops it.
func NewWithListener(ln net.Listener) *Server {
	s := &Server{
		ln:      ln,
		url:     "http://" + ln.Addr().String(),
		now:     time.Now,
		changed: make(chan struct{}),
	}
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	// Serve only fails once the listener is gone, which is Close's doing or
	// the caller's; either way there is nobody left to tell.
	go func() { _ = s.http.Serve(ln) }()
	return s
}

// URL is the base endpoint to give the SDK (BaseEndpoint or
// AWS_ENDPOINT_URL_CLOUDWATCH), e.g. "http://127.0.0.1:41234".
func (s *Server) URL() string { return s.url }

// Close stops the server, waiting briefly for requests in flight.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.http.Shutdown(ctx); err != nil {
		_ = s.http.Close()
	}
}

// Requests returns every request answered, in the order answered. The
// returned values share memory with the fake: treat them as read-only.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Accepted returns only the requests answered 200.
func (s *Server) Accepted() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Request
	for _, r := range s.requests {
		if r.Outcome == outcomeOK {
			out = append(out, r)
		}
	}
	return out
}

// Datums returns every datum of accepted requests, flattened, in order.
func (s *Server) Datums() []Datum {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Datum
	for _, r := range s.requests {
		if r.Outcome == outcomeOK {
			out = append(out, r.Datums...)
		}
	}
	return out
}

// Violations returns every contract violation seen, across all requests, in
// order. Each names the field, the datum (MetricData.member.N and its metric
// name) and the offending value.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Reset forgets everything recorded and every injected behaviour (queued
// faults, responder, poison predicates, OnRequest, the rate limit), as if
// freshly started. The listener and the history setting stay.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.violations = nil, nil
	s.total, s.acceptedDatums = 0, 0
	s.queued, s.responder, s.poison, s.onRequest = nil, nil, nil, nil
	s.limit = bucket{}
}

// DiscardHistory stops (true) or resumes (false) keeping requests and
// violations in memory, for long load runs. Counters used by the Wait helpers
// and OnRequest keep working.
func (s *Server) DiscardHistory(discard bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.discardHistory = discard
}

// OnRequest calls fn with every request after it has been answered. fn may be
// called concurrently from several connections.
func (s *Server) OnRequest(fn func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = fn
}

// WaitForRequests blocks until at least n requests (of any outcome) have been
// answered since New/Reset, or ctx ends.
func (s *Server) WaitForRequests(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.total >= n },
		func() string { return fmt.Sprintf("%d of %d requests", s.total, n) })
}

// WaitForDatums blocks until at least n datums have been accepted since
// New/Reset, or ctx ends.
func (s *Server) WaitForDatums(ctx context.Context, n int) error {
	return s.waitFor(ctx, func() bool { return s.acceptedDatums >= n },
		func() string { return fmt.Sprintf("%d of %d datums", s.acceptedDatums, n) })
}

// waitFor evaluates done and progress under the lock.
func (s *Server) waitFor(ctx context.Context, done func() bool, progress func() string) error {
	for {
		s.mu.Lock()
		if done() {
			s.mu.Unlock()
			return nil
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			p := progress()
			s.mu.Unlock()
			return fmt.Errorf("fakecw: waited for %s: %w", p, ctx.Err())
		}
	}
}

const outcomeOK = "ok"

// ServeHTTP answers one PutMetricData call: decode, let injected faults
// decide, then the rate limit, validate, then accept or reject.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	req := Request{Received: s.now()}
	violations := checkTransport(hr)

	wire, err := io.ReadAll(io.LimitReader(hr.Body, maxReadBytes+1))
	if err != nil {
		violations = append(violations, fmt.Sprintf("The request body could not be read: %v.", err))
	}
	req.WireBytes = len(wire)

	raw, gzipped, problems := decodeContent(hr.Header.Get("Content-Encoding"), wire)
	violations = append(violations, problems...)
	req.Gzipped = gzipped
	req.RawBytes = len(raw)

	p, problems := decodeBody(raw)
	violations = append(violations, problems...)
	req.Namespace = p.namespace
	req.Datums = p.datums()

	if f := s.injectedFault(&req); f != nil {
		// Injected answers win over validation by design: the test asked for
		// exactly this response, whatever the request held.
		req.Outcome, req.Status = s.writeFault(w, *f)
		s.record(req)
		return
	}
	if s.rateLimited() {
		req.Outcome, req.Status = s.writeFault(w, Throttling())
		s.record(req)
		return
	}

	violations = append(violations, validate(p, req.Received)...)
	tooLarge := req.RawBytes > MaxRequestBytes
	if tooLarge {
		violations = append(violations, fmt.Sprintf("Request size %d exceeded %d bytes.", req.RawBytes, MaxRequestBytes))
	}
	req.Violations = violations

	switch {
	case tooLarge:
		// The size violation is last in the list; CloudWatch reports only it.
		req.Outcome, req.Status = s.writeFault(w, Fault{
			Status: http.StatusRequestEntityTooLarge, Code: "RequestEntityTooLarge",
			Message: violations[len(violations)-1],
		})
	case len(violations) > 0:
		msg := violations[0]
		if len(violations) > 1 {
			msg += fmt.Sprintf(" (and %d more violations)", len(violations)-1)
		}
		req.Outcome, req.Status = s.writeFault(w, InvalidParameter(msg))
	default:
		if msg, poisoned := s.poisoned(req.Datums); poisoned {
			req.Outcome, req.Status = s.writeFault(w, InvalidParameter(msg))
		} else {
			req.Outcome, req.Status = s.writeOK(w)
		}
	}
	s.record(req)
}

// record stores an answered request and wakes waiters.
func (s *Server) record(req Request) {
	s.mu.Lock()
	s.total++
	if req.Outcome == outcomeOK {
		s.acceptedDatums += len(req.Datums)
	}
	if !s.discardHistory {
		s.requests = append(s.requests, req)
		s.violations = append(s.violations, req.Violations...)
	}
	close(s.changed)
	s.changed = make(chan struct{})
	fn := s.onRequest
	s.mu.Unlock()
	if fn != nil {
		fn(req)
	}
}

func (s *Server) nextRequestID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requestIDs++
	return fmt.Sprintf("fakecw-%08d", s.requestIDs)
}
