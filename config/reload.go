package config

import (
	"fmt"
	"time"
)

// liveKeys can change on a reload (SIGHUP) without a restart; every other
// key's new value waits for the next start.
var liveKeys = map[string]bool{
	"log.level":                          true,
	"aggregation.gauge_ttl":              true,
	"aggregation.max_series":             true,
	"flush.jitter":                       true,
	"cloudwatch.max_requests_per_second": true,
	"cloudwatch.burst":                   true,
	"shutdown_timeout":                   true,
}

// Change is one key whose effective value differs between two configs.
type Change struct {
	Key, From, To string
	Live          bool // applied on reload; false: needs a restart
}

// Diff lists the keys whose effective values differ from old to new, in
// Keys order.
func Diff(old, new *Config) []Change {
	var out []Change
	for _, s := range specs {
		if a, b := s.text(old), s.text(new); a != b {
			out = append(out, Change{Key: s.name, From: a, To: b, Live: liveKeys[s.name]})
		}
	}
	return out
}

// Apply returns what runs after a reload: running, with next's values of
// the live keys. next must come from Load (valid).
func Apply(running, next *Config) *Config {
	out := *running
	for _, s := range specs {
		if liveKeys[s.name] {
			v, problem := s.parse(s.text(next))
			if problem != "" {
				panic("config: Apply: " + s.name + " " + problem) // text of a valid Config always parses
			}
			s.set(&out, v)
		}
	}
	return &out
}

// tick is the period the aggregator's clock runs at, and its key: the
// high-resolution one when aggregation.high_resolution names metrics.
func (c *Config) tick() (key string, period time.Duration) {
	if len(c.Aggregation.HighResolution) > 0 {
		return "aggregation.high_resolution_period", c.Aggregation.HighResolutionPeriod
	}
	return "aggregation.period", c.Aggregation.Period
}

// CheckLive checks next's live keys against the running config's
// restart-only ones, which stay in effect after a reload: "" if Apply may
// proceed. flush.jitter must stay below the running period (the
// high-resolution one when it runs with aggregation.high_resolution).
func CheckLive(running, next *Config) string {
	name, period := running.tick()
	if p := checkJitter(next.Flush.Jitter, name+" as running until a restart", period); p != "" {
		return fmt.Sprintf("flush.jitter: %s %s", formatDuration(next.Flush.Jitter), p)
	}
	return ""
}
