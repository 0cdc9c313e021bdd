package aggregate

import (
	"sync"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// CloudWatch stores a metric's data per unit: the same name and dimensions
// sent as Milliseconds one minute and None the next read as two series. So a
// metric's unit is chosen when its first series appears (by a unit rule, or
// by its StatsD type) and pinned while any series of that name lives; a
// series of another type under the same name takes the pinned unit and is
// counted as a unit_conflict, with a log line naming the metric.
type unitPins struct {
	mu sync.Mutex
	m  map[string]unitPin // by value: 8 bytes a metric name, not an allocation
}

type unitPin struct {
	unit uint8 // index in unitNames
	refs int32 // identities holding the pin
}

var unitReasons = []string{"unit_conflict"}

// unitNames lists CloudWatch's StandardUnit values; a series keeps its unit as
// an index into it (a byte, not a string, per series).
var unitNames = [...]string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
	"Count/Second", "None",
}

// unitIndex is the index of unit in unitNames; None for a unit it does not
// know (the config lets none through).
func unitIndex(unit string) uint8 {
	for i, u := range unitNames {
		if u == unit {
			return uint8(i)
		}
	}
	return uint8(len(unitNames) - 1)
}

// unitOf returns the unit of a new identity of name and type, and whether it
// holds a pin (to give back with unpin when the identity is forgotten).
func (a *Aggregator) unitOf(name string, t line.Type) (uint8, bool) {
	unit, ruled := a.rules.unitFor(name, t)
	if ruled {
		return unitIndex(unit), false // a rule gives one unit to every type
	}
	a.pins.mu.Lock()
	defer a.pins.mu.Unlock()
	u := unitIndex(unit)
	p, ok := a.pins.m[name]
	if !ok {
		p.unit = u
	}
	p.refs++
	a.pins.m[name] = p
	if p.unit != u {
		a.UnitConflicts.Add(0, 1, []byte(name))
	}
	return p.unit, true
}

func (a *Aggregator) unpin(names []string) {
	a.pins.mu.Lock()
	defer a.pins.mu.Unlock()
	for _, n := range names {
		p, ok := a.pins.m[n]
		switch {
		case !ok:
		case p.refs <= 1:
			delete(a.pins.m, n)
		default:
			p.refs--
			a.pins.m[n] = p
		}
	}
}
