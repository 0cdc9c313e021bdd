package flush

import "time"

// budget is the client-side request budget shared by every call the agent
// makes: a token bucket whose rate moves AIMD, halving on every throttle and
// growing back by a step on every success, so that one agent settles on what
// the account's shared quota has left and a fleet backs off together.
//
// It is owned by the Flusher's loop goroutine; it is not safe for concurrent
// use.
type budget struct {
	max, min, step float64 // requests per second
	rate           float64
	burst, tokens  float64
	last           time.Time
	decreased      time.Time // the last halving
}

// newBudget returns a budget allowing up to ceiling calls per second, burst back
// to back. A ceiling of 0 means no budget at all.
func newBudget(ceiling float64, burst int, now time.Time) *budget {
	if ceiling <= 0 {
		return nil
	}
	burst = max(burst, 1)
	return &budget{
		max: ceiling, rate: ceiling, step: ceiling / 16,
		// The floor keeps a throttled agent probing: at 20/s it is 0.5/s.
		min:   ceiling / 40,
		burst: float64(burst), tokens: float64(burst), last: now,
	}
}

func (b *budget) refill(now time.Time) {
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// take spends a token and returns 0, or returns how long until there is one.
func (b *budget) take(now time.Time) time.Duration {
	if b == nil {
		return 0
	}
	b.refill(now)
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1-b.tokens)/b.rate*float64(time.Second)) + time.Millisecond
}

// throttled halves the rate and spends what was saved up, so that a burst
// does not keep hitting a quota that is already exhausted. A call sent
// before the last halving reports the same congestion again: it does not
// halve twice (one decrease per throttle event, as AIMD means it).
func (b *budget) throttled(now, sent time.Time) {
	if b == nil {
		return
	}
	b.refill(now)
	b.tokens = min(b.tokens, 0)
	if sent.Before(b.decreased) {
		return
	}
	b.rate = max(b.min, b.rate/2)
	b.decreased = now
}

// succeeded grows the rate back by one step.
func (b *budget) succeeded() {
	if b != nil {
		b.rate = min(b.max, b.rate+b.step)
	}
}

// perSecond is the current rate, for telemetry; 0 without a budget.
func (b *budget) perSecond() float64 {
	if b == nil {
		return 0
	}
	return b.rate
}

// resize returns the budget for a new ceiling and burst (a reload): nil for
// no budget; a throttled rate keeps its fraction of the ceiling, and saved
// tokens beyond the new burst are dropped.
func (b *budget) resize(ceiling float64, burst int, now time.Time) *budget {
	nb := newBudget(ceiling, burst, now)
	if b == nil || nb == nil {
		return nb
	}
	b.refill(now)
	nb.rate = max(nb.min, ceiling*b.rate/b.max)
	nb.tokens = min(nb.burst, b.tokens)
	nb.decreased = b.decreased
	return nb
}
