package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/config"
	"github.com/cwagentd/cwagentd/internal/metadata"
)

// rules is what the config says about dimensions, units, rollups and high
// resolution, in the aggregator's terms (the types differ only in their
// struct tags, so each converts).
func rules(cfg *config.Config) aggregate.Rules {
	d := cfg.Dimensions
	r := aggregate.Rules{BareTagValue: d.BareTagValue, HighResolution: cfg.Aggregation.HighResolution,
		Static:  convert(d.Static, func(x config.Dimension) aggregate.Dimension { return aggregate.Dimension(x) }),
		Tags:    convert(d.Rules, func(x config.TagRule) aggregate.TagRule { return aggregate.TagRule(x) }),
		Units:   convert(cfg.Aggregation.Units, func(x config.UnitRule) aggregate.UnitRule { return aggregate.UnitRule(x) }),
		Rollups: convert(cfg.Aggregation.Rollups, func(x config.Rollup) aggregate.Rollup { return aggregate.Rollup(x) }),
	}
	if len(d.Rename) > 0 {
		r.Rename = map[string]string{}
		for _, rn := range d.Rename {
			r.Rename[rn.From] = rn.To
		}
	}
	return r
}

func convert[From, To any](in []From, f func(From) To) []To {
	var out []To
	for _, x := range in {
		out = append(out, f(x))
	}
	return out
}

// firstMetadataWait bounds how long the start (before READY) waits for the
// first metadata lookup, which applies at once if no sample came in before
// it (else from the next period). The sockets are bound and read meanwhile;
// off EC2/ECS a lookup fails in about 2s.
const firstMetadataWait = 5 * time.Second

// watchMetadata looks up dimensions.metadata until ctx ends, handing each
// new result to the aggregator; it returns after the first lookup, or after
// firstMetadataWait, whichever comes first.
func watchMetadata(ctx context.Context, cfg *config.Config, agg *aggregate.Aggregator, log *slog.Logger) {
	names := cfg.Dimensions.Metadata
	if len(names) == 0 {
		return
	}
	first := make(chan struct{})
	firstDone := sync.OnceFunc(func() { close(first) })
	go (&metadata.Source{}).Watch(ctx, names, metadata.DefaultRefresh, log, func(ds []metadata.Dimension) {
		agg.SetMetadata(convert(ds, func(x metadata.Dimension) aggregate.Dimension { return aggregate.Dimension(x) }))
		firstDone()
	})
	select {
	case <-first:
	case <-time.After(firstMetadataWait):
		log.Warn("metadata dimensions not looked up yet; they join the datums from the period after they are", "waited", firstMetadataWait)
	case <-ctx.Done():
	}
}
