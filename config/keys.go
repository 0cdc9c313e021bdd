package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

const (
	envPrefix = "CWAGENTD_"
	// EnvConfig names the config file when --config is not given.
	EnvConfig = envPrefix + "CONFIG"
	// FlagConfig is the flag that names the config file.
	FlagConfig = "config"
)

// keySpec is one configuration key: its name, default, rule and how its
// text becomes a typed field of Config.
type keySpec struct {
	name    string // dotted, e.g. "listen.udp"
	def     string // default as text (listen.unixgram and flush.jitter are computed, see defaults.go)
	defHelp string // the default as stated in help text
	help    string // what it does and what is allowed
	list    bool   // a list: YAML list in the file, JSON (or a compact form) as text

	parse func(text string) (any, string) // typed value, or a problem ("" if fine)
	set   func(c *Config, v any)          // stores a parsed value
	text  func(c *Config) string          // canonical text of the effective value
}

var specs = []keySpec{
	{
		name: "listen.udp", def: "127.0.0.1:8125",
		help:  `UDP host:port to receive StatsD on; "" disables; port 1..65535`,
		parse: parseUDP,
		set:   func(c *Config, v any) { c.Listen.UDP = v.(string) },
		text:  func(c *Config) string { return c.Listen.UDP },
	},
	{
		name:    "listen.unixgram",
		defHelp: "$RUNTIME_DIRECTORY/statsd.sock, else /run/cwagentd/statsd.sock as root, else $XDG_RUNTIME_DIR/cwagentd/statsd.sock, else $TMPDIR/cwagentd-<uid>/statsd.sock",
		help:    `unix datagram socket path to receive StatsD on; "" disables; absolute, at most 107 bytes`,
		parse:   parseUnixgram,
		set:     func(c *Config, v any) { c.Listen.Unixgram = v.(string) },
		text:    func(c *Config) string { return c.Listen.Unixgram },
	},
	{
		name: "listen.unixgram_mode", def: "0666",
		help:  "permission bits of the unixgram socket file in octal, 0..0777; 0666, 666 and 0o666 are the same",
		parse: parseMode,
		set:   func(c *Config, v any) { c.Listen.UnixgramMode = v.(os.FileMode) },
		text:  func(c *Config) string { return formatMode(c.Listen.UnixgramMode) },
	},
	{
		name: "listen.read_buffer", def: "8MiB",
		help:  "receive buffer asked of the kernel for each socket (SO_RCVBUF): what absorbs bursts; the kernel caps it at net.core.rmem_max unless the agent may raise it; 64KiB..1GiB",
		parse: parseBytes(64<<10, 1<<30),
		set:   func(c *Config, v any) { c.Listen.ReadBuffer = v.(int64) },
		text:  func(c *Config) string { return formatBytes(c.Listen.ReadBuffer) },
	},
	{
		name: "listen.readers", def: "1",
		help:  "reader goroutines per datagram socket (UDP ones share the port with SO_REUSEPORT); 1..64",
		parse: parseIntRange(1, 64),
		set:   func(c *Config, v any) { c.Listen.Readers = v.(int) },
		text:  func(c *Config) string { return strconv.Itoa(c.Listen.Readers) },
	},
	{
		name: "listen.unix", def: "",
		help:  `unix stream socket path for clients that want backpressure instead of drops (newline-delimited lines); "" disables; absolute, at most 107 bytes`,
		parse: parseUnixgram,
		set:   func(c *Config, v any) { c.Listen.Unix = v.(string) },
		text:  func(c *Config) string { return c.Listen.Unix },
	},
	{
		name: "cloudwatch.namespace", def: "StatsD",
		help:  "CloudWatch namespace; 1..255 bytes of UTF-8 without control characters, not starting with ':' or 'AWS/'",
		parse: parseNamespace,
		set:   func(c *Config, v any) { c.CloudWatch.Namespace = v.(string) },
		text:  func(c *Config) string { return c.CloudWatch.Namespace },
	},
	{
		name: "cloudwatch.max_requests_per_second", def: "20",
		help:  "ceiling of the client-side PutMetricData budget; it halves on every throttle and grows back on success; 0.1..10000",
		parse: parseFloatRange(0.1, 10000),
		set:   func(c *Config, v any) { c.CloudWatch.MaxRequestsPerSecond = v.(float64) },
		text:  func(c *Config) string { return strconv.FormatFloat(c.CloudWatch.MaxRequestsPerSecond, 'g', -1, 64) },
	},
	{
		name: "cloudwatch.burst", def: "5",
		help:  "calls the budget allows back to back; 1..1000",
		parse: parseIntRange(1, 1000),
		set:   func(c *Config, v any) { c.CloudWatch.Burst = v.(int) },
		text:  func(c *Config) string { return strconv.Itoa(c.CloudWatch.Burst) },
	},
	{
		name: "aggregation.period", def: "60s",
		help:  "aggregation period; whole seconds from 1s to 60s dividing 60s (1s, 2s, 3s, 4s, 5s, 6s, 10s, 12s, 15s, 20s, 30s, 60s); below 60s publishes high-resolution metrics",
		parse: parsePeriod,
		set:   func(c *Config, v any) { c.Aggregation.Period = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.Aggregation.Period) },
	},
	{
		name: "aggregation.gauge_ttl", def: "5m",
		help:  "how long an idle gauge repeats its last value; >= 0, 0 = never repeat",
		parse: parseNonNegative,
		set:   func(c *Config, v any) { c.Aggregation.GaugeTTL = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.Aggregation.GaugeTTL) },
	},
	{
		name: "aggregation.max_series", def: "250000",
		help:  "live series per period; samples of new series past it are dropped and counted (existing series keep working); 1..100000000",
		parse: parseIntRange(1, 100_000_000),
		set:   func(c *Config, v any) { c.Aggregation.MaxSeries = v.(int) },
		text:  func(c *Config) string { return strconv.Itoa(c.Aggregation.MaxSeries) },
	},
	{
		name: "aggregation.units", def: "[]", list: true,
		help:  `units by metric name pattern, first match wins, e.g. [{metrics: "*.bytes", unit: Bytes}] (env: *.bytes=Bytes,queue.*=Count); any CloudWatch unit; without a match counters and sets are Count, ms timers Milliseconds, the rest None`,
		parse: parseUnits,
		set:   func(c *Config, v any) { c.Aggregation.Units = v.([]UnitRule) },
		text:  func(c *Config) string { return listText(c.Aggregation.Units) },
	},
	{
		name: "aggregation.rollups", def: "[]", list: true,
		help:  `also publish matching metrics folded over fewer dimensions, one datum per set and period, e.g. [{metrics: "api.*", dimensions: [[], [service]], drop_original: false}] (JSON in env)`,
		parse: parseRollups,
		set:   func(c *Config, v any) { c.Aggregation.Rollups = v.([]Rollup) },
		text:  func(c *Config) string { return listText(c.Aggregation.Rollups) },
	},
	{
		name: "aggregation.high_resolution", def: "[]", list: true,
		help:  `metric name patterns published every aggregation.high_resolution_period with StorageResolution 1 while the rest keep aggregation.period (which must be 60s), e.g. ["api.*"] (env: api.*,queue.depth)`,
		parse: parsePatterns,
		set:   func(c *Config, v any) { c.Aggregation.HighResolution = v.([]string) },
		text:  func(c *Config) string { return listText(c.Aggregation.HighResolution) },
	},
	{
		name: "aggregation.high_resolution_period", def: "10s",
		help:  "period of the aggregation.high_resolution metrics; 1s..30s dividing 60s",
		parse: parseHighResPeriod,
		set:   func(c *Config, v any) { c.Aggregation.HighResolutionPeriod = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.Aggregation.HighResolutionPeriod) },
	},
	{
		name: "dimensions.static", def: "[]", list: true,
		help:  `dimensions added to every datum, e.g. [{name: Environment, value: prod}] (env: Environment=prod,Team=core); a tag of the same name is dropped`,
		parse: parseStatic,
		set:   func(c *Config, v any) { c.Dimensions.Static = v.([]Dimension) },
		text:  func(c *Config) string { return listText(c.Dimensions.Static) },
	},
	{
		name: "dimensions.metadata", def: "[]", list: true,
		help:  "dimensions looked up at start and refreshed every 10m: InstanceId, InstanceType, ImageId, AvailabilityZone (EC2, IMDSv2), ClusterName, TaskFamily, TaskARN, ContainerName (ECS task metadata v4), e.g. [InstanceId] (env: InstanceId,AvailabilityZone)",
		parse: parseMetadata,
		set:   func(c *Config, v any) { c.Dimensions.Metadata = v.([]string) },
		text:  func(c *Config) string { return listText(c.Dimensions.Metadata) },
	},
	{
		name: "dimensions.rename", def: "[]", list: true,
		help:  `tag keys renamed before they become dimensions, e.g. [{from: env, to: Environment}] (env: env=Environment,svc=Service)`,
		parse: parseRename,
		set:   func(c *Config, v any) { c.Dimensions.Rename = v.([]Rename) },
		text:  func(c *Config) string { return listText(c.Dimensions.Rename) },
	},
	{
		name: "dimensions.rules", def: "[]", list: true,
		help:  `tag keys kept (allow) or dropped (deny) by metric name pattern, after renames, first match wins, e.g. [{metrics: "api.*", allow: [service, route]}, {metrics: "*", deny: [request_id]}] (JSON in env)`,
		parse: parseTagRules,
		set:   func(c *Config, v any) { c.Dimensions.Rules = v.([]TagRule) },
		text:  func(c *Config) string { return listText(c.Dimensions.Rules) },
	},
	{
		name: "dimensions.bare_tag_value", def: "",
		help:  `the value a bare tag (#canary) takes as a dimension, e.g. true; "" drops bare tags, counted`,
		parse: parseBareTagValue,
		set:   func(c *Config, v any) { c.Dimensions.BareTagValue = v.(string) },
		text:  func(c *Config) string { return c.Dimensions.BareTagValue },
	},
	{
		name: "flush.jitter", def: "10s", defHelp: "min(10s, aggregation.period/2); with aggregation.high_resolution, min(10s, aggregation.high_resolution_period/2)",
		help:  "max random delay after a period closes before it is sent; >= 0 and less than aggregation.period",
		parse: parseNonNegative,
		set:   func(c *Config, v any) { c.Flush.Jitter = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.Flush.Jitter) },
	},
	{
		name: "flush.request_timeout", def: "10s",
		help:  "deadline of each PutMetricData call; 100ms..5m",
		parse: parseRequestTimeout,
		set:   func(c *Config, v any) { c.Flush.RequestTimeout = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.Flush.RequestTimeout) },
	},
	{
		name: "flush.max_concurrency", def: "4",
		help:  "PutMetricData calls in flight at once; 1..64",
		parse: parseIntRange(1, 64),
		set:   func(c *Config, v any) { c.Flush.MaxConcurrency = v.(int) },
		text:  func(c *Config) string { return strconv.Itoa(c.Flush.MaxConcurrency) },
	},
	{
		name: "flush.max_pending_bytes", def: "64MiB",
		help:  "bound of the undelivered queue (encoded request bytes); when full the oldest data is dropped, counted; 1MB..64GiB, e.g. 64MiB, 500MB or 1048576",
		parse: parseBytes(1_000_000, 64<<30),
		set:   func(c *Config, v any) { c.Flush.MaxPendingBytes = v.(int64) },
		text:  func(c *Config) string { return formatBytes(c.Flush.MaxPendingBytes) },
	},
	{
		name: "flush.max_age", def: "24h",
		help:  "undelivered data older than this is dropped, counted; 1m..334h (CloudWatch takes data up to 14 days old)",
		parse: parseRange(time.Minute, 334*time.Hour),
		set:   func(c *Config, v any) { c.Flush.MaxAge = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.Flush.MaxAge) },
	},
	{
		name: "flush.spool_dir", def: "",
		help:  `directory of the on-disk spool that keeps undelivered requests across outages and restarts (replayed at start, oldest first); "" keeps them in memory only; absolute; created 0700`,
		parse: parseDir,
		set:   func(c *Config, v any) { c.Flush.SpoolDir = v.(string) },
		text:  func(c *Config) string { return c.Flush.SpoolDir },
	},
	{
		name: "flush.spool_max_bytes", def: "1GiB",
		help:  "bound of the spool on disk; past it the oldest records are dropped, counted; 1MiB..1TiB",
		parse: parseBytes(1<<20, 1<<40),
		set:   func(c *Config, v any) { c.Flush.SpoolMaxBytes = v.(int64) },
		text:  func(c *Config) string { return formatBytes(c.Flush.SpoolMaxBytes) },
	},
	{
		name: "output", def: OutputCloudWatch,
		help:  "where metrics go: cloudwatch (PutMetricData) or stdout (one JSON line per request that would be sent)",
		parse: parseEnum(OutputCloudWatch, OutputStdout),
		set:   func(c *Config, v any) { c.Output = v.(string) },
		text:  func(c *Config) string { return c.Output },
	},
	{
		name: "shutdown_timeout", def: "20s",
		help:  "how long to keep sending after SIGTERM before exiting; 1s..10m (keep it below ECS's stop timeout, 30s by default)",
		parse: parseShutdownTimeout,
		set:   func(c *Config, v any) { c.ShutdownTimeout = v.(time.Duration) },
		text:  func(c *Config) string { return formatDuration(c.ShutdownTimeout) },
	},
	{
		name: "log.level", def: "info",
		help:  "log level: debug, info, warn or error",
		parse: parseEnum("debug", "info", "warn", "error"),
		set:   func(c *Config, v any) { c.Log.Level = v.(string) },
		text:  func(c *Config) string { return c.Log.Level },
	},
	{
		name: "log.format", def: "text",
		help:  "log format: text or json",
		parse: parseEnum("text", "json"),
		set:   func(c *Config, v any) { c.Log.Format = v.(string) },
		text:  func(c *Config) string { return c.Log.Format },
	},
	{
		name: "admin.listen", def: "127.0.0.1:9102",
		help:  `TCP host:port of the admin server (/metrics, /-/healthy, /-/ready); "" disables; port 0 picks a free one (logged); keep it on loopback`,
		parse: parseAdmin,
		set:   func(c *Config, v any) { c.Admin.Listen = v.(string) },
		text:  func(c *Config) string { return c.Admin.Listen },
	},
}

// Keys lists every configuration key in order, for docs and tests.
func Keys() []string {
	keys := make([]string, len(specs))
	for i, s := range specs {
		keys[i] = s.name
	}
	return keys
}

// EnvVar is the environment variable that sets key: CWAGENTD_ followed by
// the key in upper case with '.' replaced by '_' (listen.udp ->
// CWAGENTD_LISTEN_UDP).
func EnvVar(key string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Flags registers --config and one string flag per key on fs, named as the
// key (e.g. --listen.udp). The flags have no pflag default: a flag counts
// only when given, and the help text states the real default and the rule.
func Flags(fs *pflag.FlagSet) {
	fs.String(FlagConfig, "", fmt.Sprintf("YAML config file (env %s); without one, defaults, env and flags apply", EnvConfig))
	for _, s := range specs {
		fs.String(s.name, "", s.usage())
	}
}

func (s keySpec) usage() string {
	def := s.defHelp
	if def == "" {
		def = s.def
	}
	return fmt.Sprintf("%s (default %s; env %s)", s.help, def, EnvVar(s.name))
}

func specFor(key string) (keySpec, bool) {
	for _, s := range specs {
		if s.name == key {
			return s, true
		}
	}
	return keySpec{}, false
}

// sections lists the top-level names in key order; a name with children is
// a section, one without is a top-level key.
func sections() (order []string, children map[string][]string) {
	children = map[string][]string{}
	for _, s := range specs {
		top, child, nested := strings.Cut(s.name, ".")
		if _, seen := children[top]; !seen {
			order = append(order, top)
			children[top] = nil
		}
		if nested {
			children[top] = append(children[top], child)
		}
	}
	return order, children
}
