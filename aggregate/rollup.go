package aggregate

import (
	"slices"
	"strings"
)

// rollup returns a closed period's entries with the rollup series added
// (see Rollup): each matching series is folded into one new entry per
// dimension set of its rule that it has every dimension of. A series whose
// dimensions are exactly such a set is part of that rollup rather than
// published beside it, so CloudWatch never counts it twice. The entries
// given are not changed: rollups are merged into new entries.
func rollup(entries []entry) []entry {
	var (
		out   []entry
		index = map[string]int{}
		key   []byte
		dims  []Dimension
	)
	for i := range entries {
		e := &entries[i]
		r := e.id.rollup
		if r == nil {
			out = append(out, *e)
			continue
		}
		absorbed := false
		for _, set := range r.Dimensions {
			dims = project(dims[:0], e.id.dims, set)
			if dims == nil {
				continue
			}
			key = canonicalDatumKey(key[:0], e.id, dims)
			j, ok := index[string(key)]
			if !ok {
				j = len(out)
				index[string(key)] = j
				id := &identity{key: string(key), nameLen: e.id.nameLen, unit: e.id.unit, typ: e.id.typ, dims: slices.Clone(dims)}
				out = append(out, entry{id: id})
			}
			out[j].merge(e)
			absorbed = absorbed || len(dims) == len(e.id.dims)
		}
		if !absorbed && !r.DropOriginal {
			out = append(out, *e)
		}
	}
	return out
}

// project appends to buf the dimensions of have named in set (sorted like
// have), or returns nil when have lacks one of them.
func project(buf, have []Dimension, set []string) []Dimension {
	for _, n := range set {
		i := slices.IndexFunc(have, func(d Dimension) bool { return d.Name == n })
		if i < 0 {
			return nil
		}
		buf = append(buf, have[i])
	}
	if buf == nil {
		buf = []Dimension{} // the empty set: a rollup over every dimension
	}
	return buf
}

// canonicalDatumKey is a series key over its final dimensions (operator
// dimensions included), which is what CloudWatch tells series apart by.
func canonicalDatumKey(b []byte, id *identity, dims []Dimension) []byte {
	b = appendKeyHead(b, id.name(), id.typ)
	for _, d := range dims {
		b = appendKeyDim(b, d.Name, d.Value)
	}
	return b
}

// sortedSet is a rollup dimension set in the order of a series' dimensions.
func sortedSet(names []string) []string {
	s := slices.Clone(names)
	slices.SortFunc(s, strings.Compare)
	return slices.Compact(s)
}
