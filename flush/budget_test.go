package flush

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBudget_AIMD(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBudget(20, 2, t0)
	assert.Zero(t, b.take(t0))
	assert.Zero(t, b.take(t0), "burst of 2")
	assert.Equal(t, 50*time.Millisecond+time.Millisecond, b.take(t0), "one token every 1/20 s")
	assert.Zero(t, b.take(t0.Add(50*time.Millisecond)))

	for i := range 3 {
		at := t0.Add(time.Duration(i+1) * time.Second)
		b.throttled(at, at)
	}
	assert.Equal(t, 2.5, b.perSecond(), "halved three times")
	late := t0.Add(10 * time.Second)
	b.throttled(late, t0)
	assert.Equal(t, 2.5, b.perSecond(), "a call sent before the last halving does not halve again")
	for i := range 10 {
		at := late.Add(time.Duration(i+1) * time.Second)
		b.throttled(at, at)
	}
	assert.Equal(t, 0.5, b.perSecond(), "floored at a 40th of the ceiling")
	b.succeeded()
	assert.Equal(t, 0.5+20.0/16, b.perSecond(), "grows back by a 16th of the ceiling")
	for range 40 {
		b.succeeded()
	}
	assert.Equal(t, 20.0, b.perSecond(), "never above the ceiling")

	var none *budget // 0 requests per second: no budget
	assert.Nil(t, newBudget(0, 5, t0))
	assert.Zero(t, none.take(t0))
	none.throttled(t0, t0)
	none.succeeded()
	assert.Zero(t, none.perSecond())
}

func TestBudget_ThrottleSpendsSavedTokens(t *testing.T) {
	t0 := time.Unix(1000, 0)
	b := newBudget(10, 5, t0)
	b.throttled(t0, t0)
	assert.Positive(t, b.take(t0), "a throttle empties the burst")
}
