package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/cwagentd/cwagentd/internal/cwtext"
	"github.com/cwagentd/cwagentd/internal/metadata"
)

// List keys (dimensions.static, aggregation.rollups, ...) hold lists. In the
// file they are YAML lists; as text (env, flags, and what Render and Diff
// compare) they are JSON, and the simple ones also take a compact form:
// "Name=Value,Name2=Value2" or "a,b".

// Dimension is a name and value added to every datum (dimensions.static).
type Dimension struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Rename turns a tag key into another dimension name (dimensions.rename).
type Rename struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// TagRule filters the tag keys of the metrics it matches (dimensions.rules).
type TagRule struct {
	Metrics string   `json:"metrics"`
	Allow   []string `json:"allow,omitempty"`
	Deny    []string `json:"deny,omitempty"`
}

// UnitRule sets the unit of the metrics it matches (aggregation.units).
type UnitRule struct {
	Metrics string `json:"metrics"`
	Unit    string `json:"unit"`
}

// Rollup publishes the metrics it matches folded over fewer dimensions too
// (aggregation.rollups).
type Rollup struct {
	Metrics      string     `json:"metrics"`
	Dimensions   [][]string `json:"dimensions"`
	DropOriginal bool       `json:"drop_original,omitempty"`
}

const patternRule = "a metric name pattern where * matches any run of characters, e.g. api.* or *.latency"

// decodeList parses text as a JSON list of T, or with compact when the text
// does not start with '[' (nil compact: JSON only). "" is the empty list.
func decodeList[T any](text, example string, compact func(string) ([]T, string)) ([]T, string) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, ""
	case text[0] != '[' && compact != nil:
		return compact(text)
	case text[0] != '[':
		return nil, "is not a list; write a YAML list in the file, or JSON in env and flags, e.g. " + example
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	var out []T
	if err := dec.Decode(&out); err != nil {
		return nil, fmt.Sprintf("is not a valid list (%v); e.g. %s", err, example)
	}
	if dec.More() {
		return nil, "has text after the list; e.g. " + example
	}
	if len(out) == 0 {
		return nil, "" // one empty value, however written
	}
	return out, ""
}

// listText is the canonical text of a list: compact JSON, "[]" when empty.
func listText[T any](list []T) string {
	if len(list) == 0 {
		return "[]"
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(list); err != nil {
		panic("config: list text: " + err.Error()) // strings, lists and bools only
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// pairsOf is the compact form "a=b, c=d" of a list of T made by mk.
func pairsOf[T any](example string, mk func(k, v string) T) func(string) ([]T, string) {
	return func(text string) ([]T, string) {
		var out []T
		for _, p := range strings.Split(text, ",") {
			k, v, ok := strings.Cut(p, "=")
			if !ok {
				return nil, fmt.Sprintf("has %q without '='; write name=value pairs separated by commas (or a JSON list), e.g. %s", p, example)
			}
			out = append(out, mk(strings.TrimSpace(k), strings.TrimSpace(v)))
		}
		return out, ""
	}
}

// names is the compact form "a, b" of a list of strings.
func names(text string) ([]string, string) {
	var out []string
	for _, n := range strings.Split(text, ",") {
		out = append(out, strings.TrimSpace(n))
	}
	return out, ""
}

// checkDimName is "" for a valid CloudWatch dimension name.
func checkDimName(s string) string {
	const rule = "a dimension name is 1..255 bytes of UTF-8 without control characters, not starting with ':'"
	if strings.HasPrefix(s, ":") {
		return "starts with ':'; " + rule
	}
	return withRule(cwtext.Problem(s, cwtext.MaxDimNameLen), rule)
}

// checkDimValue is "" for a valid CloudWatch dimension value.
func checkDimValue(s string) string {
	const rule = "a dimension value is 1..1024 bytes of UTF-8 without control characters"
	return withRule(cwtext.Problem(s, cwtext.MaxDimValueLen), rule)
}

// withRule follows a problem with the rule it breaks; "" stays "".
func withRule(problem, rule string) string {
	if problem == "" {
		return ""
	}
	return problem + "; " + rule
}

func checkPattern(s string) string {
	return withRule(cwtext.Problem(s, cwtext.MaxDimValueLen), patternRule)
}

func item(i int, what, problem string) string {
	return fmt.Sprintf("item %d: %s %s", i+1, what, problem)
}

const staticExample = `Environment=prod,Team=core or [{"name":"Environment","value":"prod"}]`

func parseStatic(text string) (any, string) {
	list, problem := decodeList(text, staticExample, pairsOf(staticExample, func(k, v string) Dimension { return Dimension{k, v} }))
	if problem != "" {
		return nil, problem
	}
	seen := map[string]bool{}
	for i, d := range list {
		if p := checkDimName(d.Name); p != "" {
			return nil, item(i, "name "+fmt.Sprintf("%q", d.Name), p)
		}
		if p := checkDimValue(d.Value); p != "" {
			return nil, item(i, "value of "+d.Name, p)
		}
		if seen[d.Name] {
			return nil, item(i, "name "+d.Name, "is listed twice; give each dimension once")
		}
		seen[d.Name] = true
	}
	if len(list) > cwtext.MaxDimensions {
		return nil, fmt.Sprintf("has %d dimensions; CloudWatch takes at most %d per datum", len(list), cwtext.MaxDimensions)
	}
	return list, ""
}

func parseBareTagValue(text string) (any, string) {
	if text == "" {
		return "", ""
	}
	if p := checkDimValue(text); p != "" {
		return nil, p + `; or "" to drop bare tags (counted)`
	}
	return text, ""
}

const renameExample = `env=Environment,svc=Service or [{"from":"env","to":"Environment"}]`

func parseRename(text string) (any, string) {
	list, problem := decodeList(text, renameExample, pairsOf(renameExample, func(k, v string) Rename { return Rename{k, v} }))
	if problem != "" {
		return nil, problem
	}
	seen := map[string]bool{}
	for i, r := range list {
		if p := checkDimName(r.From); p != "" {
			return nil, item(i, fmt.Sprintf("from %q", r.From), p)
		}
		if p := checkDimName(r.To); p != "" {
			return nil, item(i, fmt.Sprintf("to %q", r.To), p)
		}
		if seen[r.From] {
			return nil, item(i, "from "+r.From, "is renamed twice; keep one")
		}
		seen[r.From] = true
	}
	return list, ""
}

const rulesExample = `[{"metrics":"api.*","allow":["service","route"]},{"metrics":"*","deny":["request_id"]}]`

func parseTagRules(text string) (any, string) {
	list, problem := decodeList[TagRule](text, rulesExample, nil)
	if problem != "" {
		return nil, problem
	}
	for i, r := range list {
		if p := checkPattern(r.Metrics); p != "" {
			return nil, item(i, "metrics", p)
		}
		if len(r.Allow) == 0 && len(r.Deny) == 0 {
			return nil, item(i, "("+r.Metrics+")", "has neither allow nor deny; give the tag keys to keep (allow) or to drop (deny)")
		}
		for _, k := range append(slices.Clone(r.Allow), r.Deny...) {
			if p := checkDimName(k); p != "" {
				return nil, item(i, fmt.Sprintf("key %q", k), p)
			}
		}
	}
	return list, ""
}

const metadataExample = `InstanceId,AvailabilityZone or ["ClusterName","TaskFamily"]`

func parseMetadata(text string) (any, string) {
	list, problem := decodeList(text, metadataExample, names)
	if problem != "" {
		return nil, problem
	}
	if err := metadata.Validate(list); err != nil {
		return nil, "is not valid: " + err.Error()
	}
	return list, ""
}

const unitsExample = `*.bytes=Bytes,queue.*=Count or [{"metrics":"*.bytes","unit":"Bytes"}]`

func parseUnits(text string) (any, string) {
	list, problem := decodeList(text, unitsExample, pairsOf(unitsExample, func(k, v string) UnitRule { return UnitRule{k, v} }))
	if problem != "" {
		return nil, problem
	}
	for i, u := range list {
		if p := checkPattern(u.Metrics); p != "" {
			return nil, item(i, "metrics", p)
		}
		if !slices.Contains(types.StandardUnit("").Values(), types.StandardUnit(u.Unit)) {
			var names []string
			for _, v := range types.StandardUnit("").Values() {
				names = append(names, string(v))
			}
			return nil, item(i, fmt.Sprintf("unit %q", u.Unit), "is not a CloudWatch unit; one of (case-sensitive) "+strings.Join(names, ", "))
		}
	}
	return list, ""
}

const rollupsExample = `[{"metrics":"api.*","dimensions":[[],["service"]]}]`

func parseRollups(text string) (any, string) {
	list, problem := decodeList[Rollup](text, rollupsExample, nil)
	if problem != "" {
		return nil, problem
	}
	for i, r := range list {
		if p := checkPattern(r.Metrics); p != "" {
			return nil, item(i, "metrics", p)
		}
		if len(r.Dimensions) == 0 {
			return nil, item(i, "("+r.Metrics+")", "has no dimension sets; list the sets to fold over, [[]] for a rollup over every dimension, e.g. "+rollupsExample)
		}
		var seen [][]string
		for _, set := range r.Dimensions {
			sorted := slices.Sorted(slices.Values(set))
			if slices.ContainsFunc(seen, func(s []string) bool { return slices.Equal(s, sorted) }) {
				return nil, item(i, "("+r.Metrics+")", fmt.Sprintf("lists the set %q twice (order does not matter); a series would count twice in it, keep one", set))
			}
			seen = append(seen, sorted)
			if len(set) > cwtext.MaxDimensions {
				return nil, item(i, "("+r.Metrics+")", fmt.Sprintf("has a set of more than %d dimensions", cwtext.MaxDimensions))
			}
			for _, k := range set {
				if p := checkDimName(k); p != "" {
					return nil, item(i, fmt.Sprintf("dimension %q", k), p)
				}
			}
		}
	}
	return list, ""
}

// checkOperatorDims: static and metadata dimensions go on every datum, so
// together they must leave CloudWatch's 30 a name each.
func checkOperatorDims(static []Dimension, meta []string) string {
	if n := len(static) + len(meta); n > cwtext.MaxDimensions {
		return fmt.Sprintf("adds %d dimensions to the %d of dimensions.static; CloudWatch takes at most %d per datum, drop some",
			len(meta), len(static), cwtext.MaxDimensions)
	}
	for _, m := range meta {
		if slices.ContainsFunc(static, func(d Dimension) bool { return d.Name == m }) {
			return fmt.Sprintf("names %s, which dimensions.static sets too; keep one", m)
		}
	}
	return ""
}

const patternsExample = `api.*,queue.depth or ["api.*"]`

func parsePatterns(text string) (any, string) {
	list, problem := decodeList(text, patternsExample, names)
	if problem != "" {
		return nil, problem
	}
	for i, p := range list {
		if problem := checkPattern(p); problem != "" {
			return nil, item(i, "pattern", problem)
		}
	}
	return list, ""
}

func parseHighResPeriod(text string) (any, string) {
	const choices = "1s, 2s, 3s, 4s, 5s, 6s, 10s, 12s, 15s, 20s or 30s"
	v, problem := parsePeriod(text)
	switch {
	case problem != "":
		return nil, strings.ReplaceAll(problem, periodChoices, choices)
	case v.(time.Duration) == time.Minute:
		return nil, "must be under 60s; use one of " + choices
	}
	return v, ""
}

// checkHighRes: per-metric high resolution splits a 60s period; a shorter
// one already makes every metric high resolution.
func checkHighRes(patterns []string, period time.Duration) string {
	if len(patterns) > 0 && period != time.Minute {
		return fmt.Sprintf("needs aggregation.period 60s, but it is %s, which already publishes every metric at high resolution; remove aggregation.high_resolution or set aggregation.period to 60s", formatDuration(period))
	}
	return ""
}
