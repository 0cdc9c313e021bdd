package aggregate

import (
	"math"
	"sync"
	"sync/atomic"
)

// gaugeState is what a gauge keeps across periods and readers: its last value
// (the base of +N/-N, and what an idle gauge repeats) and the start of the
// last period that set it. Readers update it lock-free.
type gaugeState struct {
	id      *identity
	op      *operatorDims // the operator's dimensions id was made with
	last    atomic.Uint64 // float64 bits
	touched atomic.Int64  // unix seconds
}

// set applies one value (a delta when delta) and returns the gauge's value.
func (g *gaugeState) set(v float64, delta bool) float64 {
	if !delta {
		g.last.Store(math.Float64bits(v))
		return v
	}
	for {
		old := g.last.Load()
		nv := math.Float64frombits(old) + v
		if g.last.CompareAndSwap(old, math.Float64bits(nv)) {
			return nv
		}
	}
}

func (g *gaugeState) touch(start int64) {
	for {
		old := g.touched.Load()
		if old >= start || g.touched.CompareAndSwap(old, start) {
			return
		}
	}
}

// gauges is the registry of gauge states by canonical key.
type gauges struct {
	mu sync.Mutex
	m  map[string]*gaugeState
}

// get returns the state of id's gauge, creating it, touched for the period
// starting at start (under the registry's lock, so that idle cannot forget
// it between this and the sample's fold).
func (gs *gauges) get(id *identity, op *operatorDims, start int64) *gaugeState {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	g, ok := gs.m[id.key]
	if !ok {
		g = &gaugeState{id: id}
		gs.m[id.key] = g
	}
	g.id, g.op = id, op // a new identity after the operator's dimensions changed
	g.touch(start)
	return g
}

// idle returns entries for the gauges that since says are idle: not set in
// the period starting at the start it gives, and still within ttl seconds of
// their last set (their last value, once). It forgets the expired ones. An
// idle gauge takes the operator's current dimensions op.
func (gs *gauges) idle(since func(*gaugeState) (int64, bool), ttl int64, op *operatorDims) []entry {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	var out []entry
	for k, g := range gs.m {
		start, check := since(g)
		if !check {
			continue
		}
		switch touched := g.touched.Load(); {
		case touched >= start:
		case start-touched < ttl:
			last := math.Float64frombits(g.last.Load())
			if g.op != op {
				g.id, g.op = g.id.withOperator(op.dims), op
			}
			out = append(out, entry{id: g.id, st: stats{count: 1, sum: last, min: last, max: last}})
		default:
			delete(gs.m, k)
		}
	}
	return out
}

func (gs *gauges) len() int {
	gs.mu.Lock()
	defer gs.mu.Unlock()
	return len(gs.m)
}
