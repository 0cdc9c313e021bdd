package metadata

import (
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

// CallTimeout bounds each HTTP call of the default client. Both endpoints
// are link-local and answer in milliseconds; a call that takes longer is
// not going to answer (on EC2, an IMDSv2 PUT dropped by the hop limit).
const CallTimeout = 2 * time.Second

// defaultClient never uses a proxy (HTTP_PROXY would otherwise send the
// instance's identity requests to the proxy, which answers with its own) and
// never follows a redirect: it asks exactly the URL the endpoint names.
// Keep-alives are off: calls are minutes apart, and a PUT on a connection
// the server closed meanwhile is not retried by net/http.
var defaultClient = &http.Client{
	Timeout: CallTimeout,
	Transport: &http.Transport{
		Proxy:             nil,
		DialContext:       (&net.Dialer{Timeout: CallTimeout}).DialContext,
		DisableKeepAlives: true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Source looks up metadata dimensions. Its zero value is ready to use and
// it is safe for concurrent use; do not copy it after first use (it caches
// the IMDSv2 token).
type Source struct {
	Env    func(string) string // os.Getenv when nil (tests pass their own)
	Client *http.Client        // defaultClient when nil: CallTimeout per call, no proxy, no redirects

	now   func() time.Time                                // token expiry; time.Now when nil
	sleep func(ctx context.Context, d time.Duration) bool // Watch's waits; a timer when nil

	mu    sync.Mutex // guards token
	token imdsToken
}

func (s *Source) env(key string) string {
	if s.Env == nil {
		return os.Getenv(key)
	}
	return s.Env(key)
}

func (s *Source) client() *http.Client {
	if s.Client == nil {
		return defaultClient
	}
	return s.Client
}

func (s *Source) clock() time.Time {
	if s.now == nil {
		return time.Now()
	}
	return s.now()
}

// sourced is a raw value and the URL it came from.
type sourced struct{ value, from string }

// Lookup fetches the named dimensions (a subset of Names, in the order
// given; unknown or repeated names are an error naming the valid ones, and
// nothing is asked). It asks IMDS only if an EC2 name is requested and the
// ECS task metadata endpoint only if an ECS name is. It returns the
// dimensions it got, in the order of names, and an error naming each name
// it could not get and why (endpoint, status, the fix): partial results come
// with the error. A value CloudWatch would reject (empty, over 1024 bytes,
// invalid UTF-8, control characters) is an error, not a dimension.
func (s *Source) Lookup(ctx context.Context, names []string) ([]Dimension, error) {
	if err := Validate(names); err != nil {
		return nil, err
	}
	var ec2, ecs []string
	for _, n := range names {
		if origins[n] == fromEC2 {
			ec2 = append(ec2, n)
		} else {
			ecs = append(ecs, n)
		}
	}
	got := make(map[string]sourced, len(names))
	var errs lookupErrors
	if len(ec2) > 0 {
		errs = append(errs, s.lookupEC2(ctx, ec2, got)...)
	}
	if len(ecs) > 0 {
		errs = append(errs, s.lookupECS(ctx, ecs, got)...)
	}
	dims := make([]Dimension, 0, len(names))
	for _, n := range names {
		v, ok := got[n]
		if !ok {
			continue
		}
		if err := checkValue(v.value); err != nil {
			errs = append(errs, &valueError{name: n, value: v.value, from: v.from, err: err})
			continue
		}
		dims = append(dims, Dimension{Name: n, Value: v.value})
	}
	if len(errs) > 0 {
		return dims, errs
	}
	return dims, nil
}

// nameList joins names for an error message.
func nameList(names []string) string { return strings.Join(names, ", ") }
