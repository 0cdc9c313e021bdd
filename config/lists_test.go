package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The list keys in their YAML form, as a user writes them.
func TestLists_YAML(t *testing.T) {
	cfg, _, err := run(t, `
aggregation:
  units:
    - metrics: "*.bytes"
      unit: Bytes
  rollups:
    - metrics: api.*
      dimensions: [[], [service]]
      drop_original: true
dimensions:
  static:
    - name: Environment
      value: prod
    - {name: Team, value: "core, eu"}
  metadata: [InstanceId, AvailabilityZone]
  rename:
    - {from: env, to: Environment2}
  rules:
    - metrics: api.*
      allow: [service, route]
    - metrics: "*"
      deny: [request_id]
  bare_tag_value: "true"
`, nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	assert.Equal(t, []UnitRule{{"*.bytes", "Bytes"}}, cfg.Aggregation.Units)
	assert.Equal(t, []Rollup{{Metrics: "api.*", Dimensions: [][]string{{}, {"service"}}, DropOriginal: true}}, cfg.Aggregation.Rollups)
	assert.Equal(t, []Dimension{{"Environment", "prod"}, {"Team", "core, eu"}}, cfg.Dimensions.Static)
	assert.Equal(t, []string{"InstanceId", "AvailabilityZone"}, cfg.Dimensions.Metadata)
	assert.Equal(t, []Rename{{"env", "Environment2"}}, cfg.Dimensions.Rename)
	assert.Equal(t, []TagRule{{Metrics: "api.*", Allow: []string{"service", "route"}}, {Metrics: "*", Deny: []string{"request_id"}}}, cfg.Dimensions.Rules)
	assert.Equal(t, "true", cfg.Dimensions.BareTagValue)

	// What config check prints loads back to the same config.
	again, _, err := run(t, cfg.Render(), nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	assert.Equal(t, cfg.Dimensions, again.Dimensions)
	assert.Equal(t, cfg.Aggregation.Rollups, again.Aggregation.Rollups)
	assert.Contains(t, cfg.Render(), `static: [{"name": "Environment", "value": "prod"}, {"name": "Team", "value": "core, eu"}] # file`)
}

// The compact forms env and flags take.
func TestLists_Compact(t *testing.T) {
	cfg, _, err := run(t, "", []string{
		"CWAGENTD_DIMENSIONS_STATIC=Environment=prod, Team=core",
		"CWAGENTD_DIMENSIONS_RENAME=env=Environment2",
		"CWAGENTD_DIMENSIONS_METADATA=ClusterName,TaskFamily",
		"CWAGENTD_AGGREGATION_UNITS=*.bytes=Bytes,queue.*=Count",
	}, []string{"--dimensions.bare_tag_value=yes"})
	require.NoError(t, err)
	assert.Equal(t, []Dimension{{"Environment", "prod"}, {"Team", "core"}}, cfg.Dimensions.Static)
	assert.Equal(t, []Rename{{"env", "Environment2"}}, cfg.Dimensions.Rename)
	assert.Equal(t, []string{"ClusterName", "TaskFamily"}, cfg.Dimensions.Metadata)
	assert.Equal(t, []UnitRule{{"*.bytes", "Bytes"}, {"queue.*", "Count"}}, cfg.Aggregation.Units)
	assert.Equal(t, "yes", cfg.Dimensions.BareTagValue)
}

// A bad list is refused with the key, the value and the fix.
func TestLists_Errors(t *testing.T) {
	f := func(environ []string, wants ...string) {
		t.Helper()
		_, _, err := run(t, "", environ, nil)
		require.Error(t, err, "%v", environ)
		for _, w := range wants {
			assert.Contains(t, err.Error(), w)
		}
	}
	f([]string{"CWAGENTD_DIMENSIONS_STATIC=Environment"}, "dimensions.static:", `"Environment"`, "without '='", "Environment=prod")
	f([]string{"CWAGENTD_DIMENSIONS_STATIC=A=1,A=2"}, "item 2: name A is listed twice")
	f([]string{"CWAGENTD_DIMENSIONS_STATIC=:A=1"}, "starts with ':'")
	f([]string{"CWAGENTD_DIMENSIONS_STATIC=A="}, "item 1: value of A is empty")
	f([]string{`CWAGENTD_DIMENSIONS_STATIC=[{"name":"A","valeu":"1"}]`}, `unknown field "valeu"`, `[{"name":"Environment","value":"prod"}]`)
	f([]string{"CWAGENTD_DIMENSIONS_METADATA=instanceid"}, "dimensions.metadata:", `"InstanceId"`, "valid names")
	f([]string{"CWAGENTD_DIMENSIONS_STATIC=InstanceId=x", "CWAGENTD_DIMENSIONS_METADATA=InstanceId"}, "names InstanceId, which dimensions.static sets too")
	f([]string{"CWAGENTD_AGGREGATION_UNITS=*.bytes=bytes"}, "aggregation.units:", `unit "bytes" is not a CloudWatch unit`, "Bytes")
	f([]string{`CWAGENTD_AGGREGATION_ROLLUPS=api.*`}, "aggregation.rollups:", "is not a list", `"dimensions":[[],["service"]]`)
	f([]string{`CWAGENTD_AGGREGATION_ROLLUPS=[{"metrics":"api.*"}]`}, "has no dimension sets", "[[]] for a rollup over every dimension")
	f([]string{`CWAGENTD_DIMENSIONS_RULES=[{"metrics":"api.*"}]`}, "dimensions.rules:", "neither allow nor deny")
	f([]string{`CWAGENTD_DIMENSIONS_RULES=[{"metrics":"","deny":["x"]}]`}, "item 1: metrics is empty", "* matches any run")
	f([]string{"CWAGENTD_DIMENSIONS_BARE_TAG_VALUE=a\tb"}, "dimensions.bare_tag_value:", "control character", `"" to drop bare tags`)

	many := "CWAGENTD_DIMENSIONS_STATIC="
	for i := range 31 {
		if i > 0 {
			many += ","
		}
		many += "D" + string(rune('A'+i%26)) + string(rune('a'+i/26)) + "=v"
	}
	f([]string{many}, "has 31 dimensions; CloudWatch takes at most 30")

	_, _, err := run(t, "dimensions:\n  static: {name: A, value: b}\n", nil, []string{"--config=$FILE"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "dimensions.static: a mapping (from file")
	assert.Contains(t, err.Error(), "must be a list")
}

func TestLists_HighResolution(t *testing.T) {
	cfg, _, err := run(t, "aggregation:\n  high_resolution: [api.*, queue.depth]\n  high_resolution_period: 5s\n", nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	assert.Equal(t, []string{"api.*", "queue.depth"}, cfg.Aggregation.HighResolution)

	_, _, err = run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION=api.*", "CWAGENTD_AGGREGATION_PERIOD=10s"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aggregation.high_resolution:")
	assert.Contains(t, err.Error(), "already publishes every metric at high resolution; remove aggregation.high_resolution or set aggregation.period to 60s")
	_, _, err = run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION_PERIOD=60s"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must be under 60s")
	_, _, err = run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION_PERIOD=7s"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must divide 60s")
}

// With per-metric high resolution the short period bounds the jitter.
func TestLists_HighResolutionJitter(t *testing.T) {
	cfg, _, err := run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION=api.*", "CWAGENTD_AGGREGATION_HIGH_RESOLUTION_PERIOD=4s"}, nil)
	require.NoError(t, err)
	assert.Equal(t, "2s", formatDuration(cfg.Flush.Jitter))
	assert.Equal(t, "default: min(10s, aggregation.high_resolution_period/2)", cfg.Origin("flush.jitter"),
		"config check names the period the default came from")
	_, _, err = run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION=api.*", "CWAGENTD_FLUSH_JITTER=10s"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "must be less than aggregation.high_resolution_period (10s); lower it, e.g. to 5s")
}

// From the review: YAML scalars keep their text; compact pairs are trimmed;
// a repeated rollup set and an empty list of sets are refused with the fix.
func TestLists_ReviewFixes(t *testing.T) {
	cfg, _, err := run(t, `
dimensions:
  static:
    - {name: Account, value: 012345678901}
    - {name: Since, value: 2024-01-01}
    - {name: Flag, value: yes}
`, nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	assert.Equal(t, []Dimension{{"Account", "012345678901"}, {"Since", "2024-01-01"}, {"Flag", "yes"}}, cfg.Dimensions.Static)

	cfg, _, err = run(t, "", []string{"CWAGENTD_DIMENSIONS_STATIC=Environment = prod , Team=core"}, nil)
	require.NoError(t, err)
	assert.Equal(t, []Dimension{{"Environment", "prod"}, {"Team", "core"}}, cfg.Dimensions.Static)

	_, _, err = run(t, "", []string{`CWAGENTD_AGGREGATION_ROLLUPS=[{"metrics":"*","dimensions":[["a","b"],["b","a"]]}]`}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `lists the set ["b" "a"] twice`)
	_, _, err = run(t, "", []string{`CWAGENTD_AGGREGATION_ROLLUPS=[{"metrics":"*","dimensions":[]}]`}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "[[]] for a rollup over every dimension")
	_, _, err = run(t, "", []string{"CWAGENTD_AGGREGATION_HIGH_RESOLUTION_PERIOD=7s"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "use one of 1s, 2s, 3s, 4s, 5s, 6s, 10s, 12s, 15s, 20s or 30s")
	assert.NotContains(t, err.Error(), "30s, 60s")
}
