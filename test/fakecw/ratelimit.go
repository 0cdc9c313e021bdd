package fakecw

import (
	"math"
	"time"
)

// bucket is a token bucket: rate tokens per second, at most burst saved up.
// Its zero value (rate 0) admits everything.
type bucket struct {
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// take spends one token if one is available at now.
func (b *bucket) take(now time.Time) bool {
	if b.rate <= 0 {
		return true
	}
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = math.Min(b.burst, b.tokens+dt*b.rate)
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// SetRateLimit makes the fake enforce a request quota the way CloudWatch
// does per account and Region: one token bucket shared by every client,
// refilled at rps tokens per second and holding at most burst (at least 1),
// starting full. A request that finds no token is answered with Throttling()
// and recorded with Outcome "Throttling"; it spends nothing. The limit applies
// after injected faults (FailNext, SetResponder), which spend nothing either,
// and before validation, so an invalid request within the quota still spends
// its token. rps <= 0 removes the limit. Reset removes it too.
func (s *Server) SetRateLimit(rps float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rps <= 0 || math.IsNaN(rps) {
		s.limit = bucket{}
		return
	}
	b := float64(max(burst, 1))
	s.limit = bucket{rate: rps, burst: b, tokens: b, last: time.Now()}
}

// rateLimited reports whether a request arriving now exceeds the quota, and
// spends a token if it does not.
func (s *Server) rateLimited() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.limit.take(time.Now())
}
