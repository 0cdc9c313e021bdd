package config

import (
	"os"
	"time"
)

// Values of Config.Output.
const (
	// OutputCloudWatch publishes with PutMetricData (the default).
	OutputCloudWatch = "cloudwatch"
	// OutputStdout prints each request that would be sent as one JSON line.
	OutputStdout = "stdout"
)

// Values returned by Config.Source: where a key's effective value came
// from, in order of precedence.
const (
	SourceFlag    = "flag"
	SourceEnv     = "env"
	SourceFile    = "file"
	SourceDefault = "default"
)

// Config is cwagentd's effective configuration. Load builds and validates
// it; the mapstructure tags match the keys listed by Keys.
type Config struct {
	Listen          Listen        `mapstructure:"listen"`
	CloudWatch      CloudWatch    `mapstructure:"cloudwatch"`
	Aggregation     Aggregation   `mapstructure:"aggregation"`
	Dimensions      Dimensions    `mapstructure:"dimensions"`
	Flush           Flush         `mapstructure:"flush"`
	Output          string        `mapstructure:"output"`           // OutputCloudWatch or OutputStdout
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"` // 1s..10m
	Log             Log           `mapstructure:"log"`
	Admin           Admin         `mapstructure:"admin"`

	file    string            // config file used, "" if none
	sources map[string]origin // key -> where its value came from
}

// Listen is where StatsD samples come in.
type Listen struct {
	UDP          string      `mapstructure:"udp"`           // host:port; "" disables
	Unixgram     string      `mapstructure:"unixgram"`      // absolute socket path; "" disables
	UnixgramMode os.FileMode `mapstructure:"unixgram_mode"` // permission bits of the socket file
	ReadBuffer   int64       `mapstructure:"read_buffer"`   // SO_RCVBUF asked of the kernel, bytes
	Readers      int         `mapstructure:"readers"`       // reader goroutines per datagram socket
	Unix         string      `mapstructure:"unix"`          // Unix stream socket path; "" disables
}

// CloudWatch is where metrics go.
type CloudWatch struct {
	Namespace            string  `mapstructure:"namespace"`
	MaxRequestsPerSecond float64 `mapstructure:"max_requests_per_second"` // the client-side budget's ceiling
	Burst                int     `mapstructure:"burst"`                   // calls the budget allows at once
}

// Aggregation controls how samples fold into periods.
type Aggregation struct {
	Period    time.Duration `mapstructure:"period"`     // 1s..60s, divides 60s
	GaugeTTL  time.Duration `mapstructure:"gauge_ttl"`  // how long an idle gauge repeats; 0 = never
	MaxSeries int           `mapstructure:"max_series"` // live series per period; new ones past it are dropped
	Units     []UnitRule    `mapstructure:"units"`      // unit by metric pattern, first match wins
	Rollups   []Rollup      `mapstructure:"rollups"`    // metrics also published over fewer dimensions
	// HighResolution names metrics published every HighResolutionPeriod.
	HighResolution       []string      `mapstructure:"high_resolution"`
	HighResolutionPeriod time.Duration `mapstructure:"high_resolution_period"`
}

// Dimensions shape which dimensions each datum carries.
type Dimensions struct {
	Static       []Dimension `mapstructure:"static"`         // added to every datum
	Metadata     []string    `mapstructure:"metadata"`       // looked up from EC2/ECS metadata
	Rename       []Rename    `mapstructure:"rename"`         // tag key -> dimension name
	Rules        []TagRule   `mapstructure:"rules"`          // allow/deny tag keys per metric pattern
	BareTagValue string      `mapstructure:"bare_tag_value"` // value of a bare tag; "" drops them
}

// Flush controls how closed periods are sent.
type Flush struct {
	Jitter          time.Duration `mapstructure:"jitter"`            // max random delay after a period closes
	RequestTimeout  time.Duration `mapstructure:"request_timeout"`   // deadline of each PutMetricData call
	MaxConcurrency  int           `mapstructure:"max_concurrency"`   // calls in flight at once
	MaxPendingBytes int64         `mapstructure:"max_pending_bytes"` // bound of the undelivered queue
	MaxAge          time.Duration `mapstructure:"max_age"`           // undelivered data older than this is dropped
	SpoolDir        string        `mapstructure:"spool_dir"`         // on-disk spool; "" keeps undelivered data in memory only
	SpoolMaxBytes   int64         `mapstructure:"spool_max_bytes"`   // bound of the spool
}

// Log controls the agent's own logs (slog on stderr).
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // text, json
}

// Admin is the agent's own HTTP server: telemetry and health.
type Admin struct {
	Listen string `mapstructure:"listen"` // TCP host:port; "" disables
}

// Source reports where the effective value of key came from: SourceFlag,
// SourceEnv, SourceFile or SourceDefault; "" for an unknown key or a Config
// not built by Load.
func (c *Config) Source(key string) string {
	return c.sources[key].kind
}

// Origin describes where the value of key came from in more detail, e.g.
// "flag --listen.udp", "env CWAGENTD_LISTEN_UDP", "file /etc/cwagentd/cwagentd.yaml"
// or "default: min(10s, aggregation.period/2)"; "" for an unknown key.
func (c *Config) Origin(key string) string {
	o, ok := c.sources[key]
	if !ok {
		return ""
	}
	return o.String()
}

// File is the config file Load read, "" if none.
func (c *Config) File() string {
	return c.file
}

// origin says where one value came from.
type origin struct {
	kind   string // SourceFlag, SourceEnv, SourceFile or SourceDefault
	detail string // flag name with dashes, env var name, file path, or how a default was computed
}

func (o origin) String() string {
	switch {
	case o.kind == SourceDefault && o.detail == "":
		return SourceDefault
	case o.kind == SourceDefault:
		return SourceDefault + ": " + o.detail
	default:
		return o.kind + " " + o.detail
	}
}
