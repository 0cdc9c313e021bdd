package aggregate

import (
	"fmt"
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
		next := now.Truncate(a.tick).Add(a.tick)
		timer := time.NewTimer(next.Sub(now))
		select {
		case <-timer.C:
			// A late timer or a clock step must not stamp new samples with
			// an old period: close at the boundary of the time it is now.
			a.emit(a.Close(maxTime(next, a.opts.Now())), out)
			a.handedOff.Store(a.opts.Now().UnixNano())
		case <-stop:
			timer.Stop()
			a.emit(a.close(a.opts.Now().Add(a.tick), true), out)
			return
		}
	}
}

// Stalled returns an error when Run has not handed a closed period on for
// longer than grace beyond a period: the loop is stuck, or the flusher has
// stopped taking batches. It is the agent's liveness (/-/healthy).
func (a *Aggregator) Stalled(grace time.Duration) error {
	last := time.Unix(0, a.handedOff.Load())
	if since := a.opts.Now().Sub(last); since > a.tick+grace {
		return fmt.Errorf("no period handed to the flusher for %s (period %s): aggregation or delivery is stuck", since.Round(time.Second), a.tick)
	}
	return nil
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
