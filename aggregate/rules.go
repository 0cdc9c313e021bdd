package aggregate

import (
	"slices"
	"strings"

	"github.com/cwagentd/cwagentd/ingest/line"
)

// Rules shape what CloudWatch sees of each series: which tags become
// dimensions and under which names, dimensions every datum carries, units,
// and rollups. They are applied on the slow path only, once per series and
// period; the zero Rules keep tags as written and units by type.
type Rules struct {
	// Static dimensions are added to every datum. A tag of the same name is
	// dropped (counted as static_override). Names are unique.
	Static []Dimension
	// BareTagValue is the value a bare tag ("#canary") gets; "" drops bare
	// tags, counted as bare_tag.
	BareTagValue string
	// Rename maps a tag key to the dimension name it becomes.
	Rename map[string]string
	// Tags filter tag keys (after renames) per metric; the first rule whose
	// pattern matches the metric name applies.
	Tags []TagRule
	// Units set the unit per metric; the first match wins, else the unit
	// follows the StatsD type (see defaultUnit).
	Units []UnitRule
	// Rollups publish matching series folded over fewer dimensions too.
	Rollups []Rollup
	// HighResolution patterns name the metrics published every
	// Options.HighResPeriod with StorageResolution 1.
	HighResolution []string
}

// TagRule keeps only the Allow keys (when Allow is not empty) and drops the
// Deny keys of the metrics that Metrics matches.
type TagRule struct {
	Metrics     string // pattern, see match
	Allow, Deny []string
}

// UnitRule sets the CloudWatch unit of the metrics that Metrics matches.
type UnitRule struct {
	Metrics string // pattern, see match
	Unit    string // a CloudWatch StandardUnit
}

// Rollup also publishes each matching series folded over each listed
// dimension set (an empty set folds over every dimension), merged so that
// each rollup is one datum per period. A series is in a rollup only when it
// has every dimension the set names. DropOriginal publishes the rollups
// alone.
type Rollup struct {
	Metrics      string // pattern, see match
	Dimensions   [][]string
	DropOriginal bool
}

// match reports whether the metric name matches pattern, where '*' stands
// for any run of bytes (dots included) and every other byte for itself.
func match[S ~string | ~[]byte](pattern string, name S) bool {
	// The classic linear glob: remember the last star and retry from it.
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && pattern[p] == name[n]:
			p++
			n++
		case star >= 0:
			p, mark = star+1, mark+1
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// defaultUnit is the unit of a StatsD type without a unit rule: counters
// and sets are Count, timers Milliseconds, the rest None.
func defaultUnit(t line.Type) string {
	switch t {
	case line.Counter, line.Set:
		return UnitCount
	case line.Timer:
		return UnitMilliseconds
	}
	return UnitNone
}

// rules is Rules compiled for the slow path.
type rules struct {
	Rules
	bare     []byte // nil: bare tags are dropped
	rename   map[string][]byte
	tagRules []tagRule
}

type tagRule struct {
	pattern     string
	allow, deny map[string]bool // allow nil: every key allowed
}

// operatorDims are the dimensions the operator adds to every datum. A new
// value is a new pointer, so readers know to rebuild their series'
// identities.
type operatorDims struct {
	dims []Dimension
}

func compileRules(r Rules) *rules {
	c := &rules{Rules: r, rename: map[string][]byte{}}
	c.Rollups = make([]Rollup, len(r.Rollups))
	for i, ru := range r.Rollups {
		c.Rollups[i] = Rollup{Metrics: ru.Metrics, DropOriginal: ru.DropOriginal}
		for _, set := range ru.Dimensions {
			set = sortedSet(set)
			if !slices.ContainsFunc(c.Rollups[i].Dimensions, func(s []string) bool { return slices.Equal(s, set) }) {
				c.Rollups[i].Dimensions = append(c.Rollups[i].Dimensions, set) // a set twice would count twice
			}
		}
	}
	if r.BareTagValue != "" {
		c.bare = []byte(r.BareTagValue)
	}
	for from, to := range r.Rename {
		c.rename[from] = []byte(to)
	}
	for _, t := range r.Tags {
		tr := tagRule{pattern: t.Metrics, deny: set(t.Deny)}
		if len(t.Allow) > 0 {
			tr.allow = set(t.Allow)
		}
		c.tagRules = append(c.tagRules, tr)
	}
	return c
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// operator is Static plus meta, sorted by name: the dimensions of every
// datum. Static wins a name both have.
func (r *rules) operator(meta []Dimension) []Dimension {
	dims := slices.Clone(r.Static)
	for _, m := range meta {
		if !reserved(dims, m.Name) {
			dims = append(dims, m)
		}
	}
	slices.SortFunc(dims, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
	return dims
}

// first is the first rule of list whose pattern matches name, nil if none.
func first[T any, S ~string | ~[]byte](list []T, pattern func(*T) string, name S) *T {
	for i := range list {
		if match(pattern(&list[i]), name) {
			return &list[i]
		}
	}
	return nil
}

func (r *rules) tagRuleFor(name []byte) *tagRule {
	return first(r.tagRules, func(t *tagRule) string { return t.pattern }, name)
}

func (r *rules) rollupFor(name string) *Rollup {
	return first(r.Rollups, func(ru *Rollup) string { return ru.Metrics }, name)
}

func (r *rules) highRes(name string) bool {
	return first(r.HighResolution, func(p *string) string { return *p }, name) != nil
}

// unitFor is the unit a new series of name and type gets from the rules,
// and whether a rule set it.
func (r *rules) unitFor(name string, t line.Type) (string, bool) {
	if u := first(r.Units, func(u *UnitRule) string { return u.Metrics }, name); u != nil {
		return u.Unit, true
	}
	return defaultUnit(t), false
}
