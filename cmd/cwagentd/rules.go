package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/config"
	"github.com/cwagentd/cwagentd/internal/metadata"
)

// rules is what the config says about dimensions, units and rollups, in the
// aggregator's terms.
func rules(cfg *config.Config) aggregate.Rules {
	d := cfg.Dimensions
	r := aggregate.Rules{BareTagValue: d.BareTagValue, HighResolution: cfg.Aggregation.HighResolution}
	for _, s := range d.Static {
		r.Static = append(r.Static, aggregate.Dimension{Name: s.Name, Value: s.Value})
	}
	if len(d.Rename) > 0 {
		r.Rename = map[string]string{}
		for _, rn := range d.Rename {
			r.Rename[rn.From] = rn.To
		}
	}
	for _, t := range d.Rules {
		r.Tags = append(r.Tags, aggregate.TagRule{Metrics: t.Metrics, Allow: t.Allow, Deny: t.Deny})
	}
	for _, u := range cfg.Aggregation.Units {
		r.Units = append(r.Units, aggregate.UnitRule{Metrics: u.Metrics, Unit: u.Unit})
	}
	for _, ru := range cfg.Aggregation.Rollups {
		r.Rollups = append(r.Rollups, aggregate.Rollup{Metrics: ru.Metrics, Dimensions: ru.Dimensions, DropOriginal: ru.DropOriginal})
	}
	return r
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
	applied := false
	go (&metadata.Source{}).Watch(ctx, names, metadata.DefaultRefresh, log, func(ds []metadata.Dimension) {
		dims := make([]aggregate.Dimension, len(ds))
		for i, d := range ds {
			dims[i] = aggregate.Dimension{Name: d.Name, Value: d.Value}
		}
		agg.SetMetadata(dims)
		if !applied {
			applied = true
			close(first)
		}
	})
	select {
	case <-first:
	case <-time.After(firstMetadataWait):
		log.Warn("metadata dimensions not looked up yet; they join the datums from the period after they are", "waited", firstMetadataWait)
	case <-ctx.Done():
	}
}
