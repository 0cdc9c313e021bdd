package aggregate

import (
	"time"
)

// Run closes a period at every wall-clock boundary and sends its batches to
// out. When stop is closed it closes the open period at once (the partial
// period keeps its start as timestamp), sends it, and closes out. The caller
// stops the listeners before closing stop, so nothing they read is left out.
func (a *Aggregator) Run(stop <-chan struct{}, out chan<- Batch) {
	defer close(out)
	for {
		now := a.opts.Now()
		next := now.Truncate(a.opts.Period).Add(a.opts.Period)
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-timer.C:
			// A late timer or a clock step must not stamp new samples with
			// an old period: close at the boundary of the time it is now.
			a.emit(a.Close(maxTime(next, a.opts.Now())), out)
		case <-stop:
			timer.Stop()
			a.emit(a.Close(a.opts.Now().Add(a.opts.Period)), out)
			return
		}
	}
}

func (a *Aggregator) emit(batches []Batch, out chan<- Batch) {
	for _, b := range batches {
		out <- b
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
