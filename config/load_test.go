package config

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

const testEUID = 1000

// run loads a config the way cwagentd does: the flags from Flags parsed from
// args, environ as given, and file written to a temporary cwagentd.yaml
// (even when empty) whose path replaces $FILE in environ and args (add
// --config=$FILE or CWAGENTD_CONFIG=$FILE to use it). It returns the
// file's path too.
func run(t *testing.T, file string, environ, args []string) (*Config, string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cwagentd.yaml")
	require.NoError(t, os.WriteFile(path, []byte(file), 0o600))
	expand := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.ReplaceAll(s, "$FILE", path)
		}
		return out
	}
	fs := pflag.NewFlagSet("cwagentd", pflag.ContinueOnError)
	Flags(fs)
	require.NoError(t, fs.Parse(expand(args)))
	cfg, err := load(fs, expand(environ), testEUID)
	return cfg, path, err
}

// keyYAML is key: value as nested YAML; value is written as is.
func keyYAML(key, value string) string {
	section, child, nested := strings.Cut(key, ".")
	if !nested {
		return key + ": " + value + "\n"
	}
	return section + ":\n  " + child + ": " + value + "\n"
}

// defaultTexts is every key's default as Render prints it, for the test
// environment (uid 1000, no runtime directory).
var defaultTexts = map[string]string{
	"listen.udp":                         "127.0.0.1:8125",
	"listen.unixgram":                    "/tmp/cwagentd-1000/statsd.sock",
	"listen.unixgram_mode":               "0666",
	"listen.read_buffer":                 "8MiB",
	"listen.readers":                     "1",
	"listen.unix":                        "",
	"cloudwatch.namespace":               "StatsD",
	"cloudwatch.max_requests_per_second": "20",
	"cloudwatch.burst":                   "5",
	"aggregation.period":                 "60s",
	"aggregation.gauge_ttl":              "5m",
	"aggregation.max_series":             "250000",
	"aggregation.units":                  "[]",
	"aggregation.rollups":                "[]",
	"aggregation.high_resolution":        "[]",
	"aggregation.high_resolution_period": "10s",
	"dimensions.static":                  "[]",
	"dimensions.metadata":                "[]",
	"dimensions.rename":                  "[]",
	"dimensions.rules":                   "[]",
	"dimensions.bare_tag_value":          "",
	"flush.jitter":                       "10s",
	"flush.request_timeout":              "10s",
	"flush.max_concurrency":              "4",
	"flush.max_pending_bytes":            "64MiB",
	"flush.max_age":                      "24h",
	"flush.spool_dir":                    "",
	"flush.spool_max_bytes":              "1GiB",
	"output":                             "cloudwatch",
	"shutdown_timeout":                   "20s",
	"log.level":                          "info",
	"log.format":                         "text",
	"admin.listen":                       "127.0.0.1:9102",
}

// otherValues is a valid value other than the default for every key.
var otherValues = map[string]string{
	"listen.udp":                         "0.0.0.0:9125",
	"listen.unixgram":                    "/var/run/app/statsd.sock",
	"listen.unixgram_mode":               "0660",
	"listen.read_buffer":                 "256KiB",
	"listen.readers":                     "4",
	"listen.unix":                        "/run/app/statsd-stream.sock",
	"cloudwatch.namespace":               "MyApp/Prod",
	"cloudwatch.max_requests_per_second": "2.5",
	"cloudwatch.burst":                   "1",
	"aggregation.period":                 "20s",
	"aggregation.gauge_ttl":              "0s",
	"aggregation.max_series":             "1000",
	"aggregation.units":                  `[{"metrics":"*.bytes","unit":"Bytes"}]`,
	"aggregation.rollups":                `[{"metrics":"api.*","dimensions":[[],["service"]],"drop_original":true}]`,
	"aggregation.high_resolution":        `["api.*"]`,
	"aggregation.high_resolution_period": "5s",
	"dimensions.static":                  `[{"name":"Environment","value":"prod, eu=1"}]`,
	"dimensions.metadata":                `["InstanceId","AvailabilityZone"]`,
	"dimensions.rename":                  `[{"from":"env","to":"Environment"}]`,
	"dimensions.rules":                   `[{"metrics":"api.*","allow":["service"]},{"metrics":"*","deny":["request_id"]}]`,
	"dimensions.bare_tag_value":          "true",
	"flush.jitter":                       "2s",
	"flush.request_timeout":              "30s",
	"flush.max_concurrency":              "1",
	"flush.max_pending_bytes":            "500MB",
	"flush.max_age":                      "334h",
	"flush.spool_dir":                    "/var/lib/cwagentd/spool",
	"flush.spool_max_bytes":              "10GiB",
	"output":                             "stdout",
	"shutdown_timeout":                   "25s",
	"log.level":                          "debug",
	"log.format":                         "json",
	"admin.listen":                       "[::1]:19102",
}

func TestLoad_Success(t *testing.T) {
	// want maps keys to "text source"; keys not in want must hold their
	// default, from the default.
	f := func(file string, environ, args []string, want map[string]string) {
		t.Helper()
		cfg, path, err := run(t, file, environ, args)
		require.NoError(t, err)
		require.NotNil(t, cfg)
		for _, key := range Keys() {
			s, ok := specFor(key)
			require.True(t, ok)
			exp, ok := want[key]
			if !ok {
				exp = defaultTexts[key] + " default"
			}
			exp = strings.ReplaceAll(exp, "$FILE", path)
			require.Equal(t, exp, s.text(cfg)+" "+cfg.Source(key), "key %s", key)
		}
	}

	// Defaults: no file, no env, no flags.
	f("", nil, nil, nil)
	// Variables of other programs are ignored.
	f("", []string{"PATH=/usr/bin", "CWAGENTDX=1", "cwagentd_listen_udp=x", "NOEQUALS"}, nil, nil)

	// Each key from the file, from env and from a flag.
	for _, key := range Keys() {
		value := otherValues[key]
		want := func(source string) map[string]string {
			w := map[string]string{key: value + " " + source}
			if key == "aggregation.high_resolution" {
				w["flush.jitter"] = "5s default" // half the 10s high-resolution period
			}
			return w
		}
		f(keyYAML(key, strconv.Quote(value)), nil, []string{"--config=$FILE"}, want("file"))
		f("", []string{EnvVar(key) + "=" + value}, nil, want("env"))
		f("", nil, []string{"--" + key + "=" + value}, want("flag"))
	}

	// Precedence for one key given by all three sources, then by fewer.
	const file = "listen:\n  udp: 10.0.0.1:1\n"
	env := []string{"CWAGENTD_LISTEN_UDP=10.0.0.2:2"}
	flag := []string{"--config=$FILE", "--listen.udp=10.0.0.3:3"}
	f(file, env, flag, map[string]string{"listen.udp": "10.0.0.3:3 flag"})
	f(file, env, flag[:1], map[string]string{"listen.udp": "10.0.0.2:2 env"})
	f(file, nil, flag[:1], map[string]string{"listen.udp": "10.0.0.1:1 file"})
	f("", env, flag[1:], map[string]string{"listen.udp": "10.0.0.3:3 flag"})
	// Each key is ranked on its own: a flag for one key leaves another's env.
	f(file, append(env, "CWAGENTD_LOG_LEVEL=warn"), flag, map[string]string{
		"listen.udp": "10.0.0.3:3 flag",
		"log.level":  "warn env",
	})

	// The file named by CWAGENTD_CONFIG; --config wins over it.
	f(file, []string{"CWAGENTD_CONFIG=$FILE"}, nil, map[string]string{"listen.udp": "10.0.0.1:1 file"})
	f(file, []string{"CWAGENTD_CONFIG=/does/not/exist.yaml"}, []string{"--config=$FILE"}, map[string]string{"listen.udp": "10.0.0.1:1 file"})
	// An empty name means no file.
	f("", []string{"CWAGENTD_CONFIG="}, nil, nil)
	f("", []string{"CWAGENTD_CONFIG=/does/not/exist.yaml"}, []string{"--config="}, nil)

	// Empty values disable the listeners, from every source.
	f(keyYAML("listen.udp", `""`), nil, []string{"--config=$FILE"}, map[string]string{"listen.udp": " file"})
	f("", []string{"CWAGENTD_LISTEN_UDP="}, nil, map[string]string{"listen.udp": " env"})
	f("", nil, []string{"--listen.udp=", "--listen.unixgram="}, map[string]string{"listen.udp": " flag", "listen.unixgram": " flag"})

	// Files with nothing to say: empty, comments only, sections commented out.
	f("", nil, []string{"--config=$FILE"}, nil)
	f("# nothing here\n", nil, []string{"--config=$FILE"}, nil)
	f("listen:\n  # udp: 1.2.3.4:5\nlog:\n", nil, []string{"--config=$FILE"}, nil)
	f("---\n~\n", nil, []string{"--config=$FILE"}, nil)

	// listen.unixgram_mode in every form.
	mode := func(file string, environ, args []string, want string) {
		t.Helper()
		f(file, environ, append(args, "--config=$FILE"), map[string]string{"listen.unixgram_mode": want})
	}
	mode("listen:\n  unixgram_mode: \"0640\"\n", nil, nil, "0640 file")
	mode("listen:\n  unixgram_mode: '640'\n", nil, nil, "0640 file")
	mode("listen:\n  unixgram_mode: \"0o640\"\n", nil, nil, "0640 file")
	mode("listen:\n  unixgram_mode: 0640\n", nil, nil, "0640 file")  // YAML octal int
	mode("listen:\n  unixgram_mode: 0o640\n", nil, nil, "0640 file") // YAML 1.2 octal int
	mode("listen:\n  unixgram_mode: 640\n", nil, nil, "0640 file")   // digits read as octal, as from env
	mode("listen:\n  unixgram_mode: 0\n", nil, nil, "0000 file")
	mode("", []string{"CWAGENTD_LISTEN_UNIXGRAM_MODE=0660"}, nil, "0660 env")
	mode("", []string{"CWAGENTD_LISTEN_UNIXGRAM_MODE=600"}, nil, "0600 env")
	mode("", nil, []string{"--listen.unixgram_mode=0o777"}, "0777 flag")

	// flush.jitter left at its default follows a short period; an explicit
	// one is kept.
	f("", []string{"CWAGENTD_AGGREGATION_PERIOD=4s"}, nil, map[string]string{
		"aggregation.period": "4s env",
		"flush.jitter":       "2s default",
	})
	f("", []string{"CWAGENTD_AGGREGATION_PERIOD=4s", "CWAGENTD_FLUSH_JITTER=3s"}, nil, map[string]string{
		"aggregation.period": "4s env",
		"flush.jitter":       "3s env",
	})
	f("", nil, []string{"--aggregation.period=1s"}, map[string]string{
		"aggregation.period": "1s flag",
		"flush.jitter":       "500ms default",
	})
	f("", nil, []string{"--aggregation.period=30s"}, map[string]string{
		"aggregation.period": "30s flag",
		"flush.jitter":       "10s default",
	})
	f("", nil, []string{"--aggregation.period=4s", "--flush.jitter=0s"}, map[string]string{
		"aggregation.period": "4s flag",
		"flush.jitter":       "0s flag",
	})

	// Every divisor of a minute is a valid period.
	for _, p := range strings.Split(periodChoices, ", ") {
		f("", []string{"CWAGENTD_AGGREGATION_PERIOD=" + p, "CWAGENTD_FLUSH_JITTER=0s"}, nil, map[string]string{
			"aggregation.period": p + " env",
			"flush.jitter":       "0s env",
		})
	}
	// Other spellings of valid values.
	f("", []string{"CWAGENTD_AGGREGATION_PERIOD=1m", "CWAGENTD_AGGREGATION_GAUGE_TTL=1h30m", "CWAGENTD_FLUSH_REQUEST_TIMEOUT=100ms"}, nil, map[string]string{
		"aggregation.period":    "60s env",
		"aggregation.gauge_ttl": "1h30m env",
		"flush.request_timeout": "100ms env",
	})
	f("", []string{"CWAGENTD_LISTEN_UDP=[::1]:8125"}, nil, map[string]string{"listen.udp": "[::1]:8125 env"})
	f("", []string{"CWAGENTD_LISTEN_UDP=:8125"}, nil, map[string]string{"listen.udp": ":8125 env"})
	f("", []string{"CWAGENTD_CLOUDWATCH_NAMESPACE=Äpp: ünïcode #1"}, nil, map[string]string{"cloudwatch.namespace": "Äpp: ünïcode #1 env"})
	f("", []string{"CWAGENTD_CLOUDWATCH_NAMESPACE=" + strings.Repeat("n", 255)}, nil, map[string]string{"cloudwatch.namespace": strings.Repeat("n", 255) + " env"})
	f("", []string{"CWAGENTD_LISTEN_UNIXGRAM=/" + strings.Repeat("s", 106)}, nil, map[string]string{"listen.unixgram": "/" + strings.Repeat("s", 106) + " env"})
	// The first of duplicate variables wins, as with os.Getenv.
	f("", []string{"CWAGENTD_LOG_LEVEL=warn", "CWAGENTD_LOG_LEVEL=error"}, nil, map[string]string{"log.level": "warn env"})
	// YAML anchors and aliases resolve.
	f("log:\n  level: &lvl error\n  format: json\noutput: *lvl\n", nil, []string{"--config=$FILE", "--output=stdout"}, map[string]string{
		"log.level":  "error file",
		"log.format": "json file",
		"output":     "stdout flag",
	})
}

func TestLoad_Failure(t *testing.T) {
	// Each want must appear in the error; $FILE stands for the file's path.
	f := func(file string, environ, args []string, wants ...string) {
		t.Helper()
		cfg, path, err := run(t, file, environ, args)
		require.Error(t, err)
		require.Nil(t, cfg)
		var errs Errors
		require.True(t, errors.As(err, &errs), "%T is not Errors", err)
		for _, want := range wants {
			require.Contains(t, err.Error(), strings.ReplaceAll(want, "$FILE", path))
		}
	}

	// One bad value of key from src (file, env or flag): the message names the
	// key, the value, the source and says what is allowed (hint).
	value := func(src, key, value, hint string, more ...string) {
		t.Helper()
		var file string
		var environ, args []string
		var from string
		switch src {
		case "file":
			file, args, from = keyYAML(key, strconv.Quote(value)), []string{"--config=$FILE"}, "file $FILE"
		case "env":
			environ, from = []string{EnvVar(key) + "=" + value}, "env "+EnvVar(key)
		case "flag":
			args, from = []string{"--" + key + "=" + value}, "flag --"+key
		default:
			t.Fatalf("bad source %q", src)
		}
		for i := range more {
			if strings.HasPrefix(more[i], "--") {
				args = append(args, more[i])
			} else {
				environ = append(environ, more[i])
			}
		}
		line := key + ": " + strconv.Quote(value) + " (from " + from + ") "
		f(file, environ, args, line, hint)
	}

	value("env", "listen.udp", "127.0.0.1", "is not a host:port address; use host:port, e.g. 127.0.0.1:8125")
	value("file", "listen.udp", "localhost", `or "" to disable`)
	value("flag", "listen.udp", "127.0.0.1:0", "the port must be a number from 1 to 65535")
	value("env", "listen.udp", "127.0.0.1:65536", "the port must be a number from 1 to 65535")
	value("file", "listen.udp", "127.0.0.1:statsd", "the port must be a number from 1 to 65535")

	value("file", "listen.unixgram", "statsd.sock", "must be an absolute path")
	value("env", "listen.unixgram", "/"+strings.Repeat("s", 107), "is 108 bytes, longer than the 107 a Unix socket path allows")
	value("flag", "listen.unixgram", "/run/cwagentd/", "names a directory; give the socket file's path, e.g. /run/cwagentd/statsd.sock")
	value("env", "listen.unixgram", "/run/a\x00b", "contains a NUL byte")

	value("env", "listen.unixgram_mode", "rw-rw-rw-", "is not an octal permission mode; use octal digits like 0666")
	value("flag", "listen.unixgram_mode", "0888", "is not an octal permission mode")
	value("flag", "listen.unixgram_mode", "", "is not an octal permission mode")
	value("file", "listen.unixgram_mode", "1777", "is above 0777; only permission bits are allowed")
	value("env", "listen.unixgram_mode", "-666", "is not an octal permission mode")

	value("env", "cloudwatch.namespace", "", "is empty")
	value("flag", "cloudwatch.namespace", strings.Repeat("n", 256), "is 256 bytes")
	value("file", "cloudwatch.namespace", ":Metrics", "starts with ':'")
	value("env", "cloudwatch.namespace", "AWS/EC2", "starts with 'AWS/', which is reserved for AWS services")
	value("env", "cloudwatch.namespace", "a\tb", "has a control character (U+0009) at byte 1")
	value("flag", "cloudwatch.namespace", "bad\xffutf8", "is not valid UTF-8")

	value("env", "aggregation.period", "45s", "must divide 60s evenly; use one of 1s, 2s, 3s, 4s, 5s, 6s, 10s, 12s, 15s, 20s, 30s, 60s")
	value("file", "aggregation.period", "7s", "must divide 60s evenly")
	value("flag", "aggregation.period", "0s", "must be from 1s to 60s; use one of 1s, 2s")
	value("env", "aggregation.period", "2m", "must be from 1s to 60s")
	value("file", "aggregation.period", "1500ms", "must be a whole number of seconds")
	value("flag", "aggregation.period", "abc", "is not a duration; use a number with a unit (ms, s, m, h), e.g. 60s")
	value("env", "aggregation.period", "60", `has no unit; write it with one, e.g. "60s"`)

	value("file", "aggregation.gauge_ttl", "-1s", "must not be negative")
	value("env", "aggregation.gauge_ttl", "forever", "is not a duration")

	value("file", "flush.jitter", "70s", "must be less than aggregation.period (60s)")
	value("env", "flush.jitter", "60s", "must be less than aggregation.period (60s); lower it, e.g. to 30s")
	value("flag", "flush.jitter", "5s", "must be less than aggregation.period (5s)", "CWAGENTD_AGGREGATION_PERIOD=5s")
	value("flag", "flush.jitter", "-1s", "must not be negative")

	value("env", "flush.request_timeout", "50ms", "must be from 100ms to 5m")
	value("flag", "flush.request_timeout", "6m", "must be from 100ms to 5m")
	f("", []string{"CWAGENTD_LISTEN_UNIXGRAM=/run/x.sock", "CWAGENTD_LISTEN_UNIX=/run/x.sock"}, nil,
		`listen.unix: "/run/x.sock" (from env CWAGENTD_LISTEN_UNIX) is the same path as listen.unixgram; the stream and the datagram socket need a file each, e.g. /run/x-stream.sock`)

	value("file", "output", "CloudWatch", "must be one of cloudwatch, stdout")
	value("env", "output", "s3", "must be one of cloudwatch, stdout")

	value("flag", "shutdown_timeout", "500ms", "must be from 1s to 10m")
	value("file", "shutdown_timeout", "11m", "must be from 1s to 10m")

	value("env", "log.level", "trace", "must be one of debug, info, warn, error")
	value("flag", "log.format", "xml", "must be one of text, json")

	// An unquoted YAML value is reported as written.
	f("listen:\n  unixgram_mode: 01777\n", nil, []string{"--config=$FILE"},
		`listen.unixgram_mode: "01777" (from file $FILE) is above 0777`)
	f("aggregation:\n  period: 45\n", nil, []string{"--config=$FILE"},
		`aggregation.period: "45" (from file $FILE) has no unit; write it with one, e.g. "45s"`)
	// A default can fail too: a runtime directory too long for a socket path.
	f("", []string{"XDG_RUNTIME_DIR=/" + strings.Repeat("x", 100)}, nil,
		`listen.unixgram: "/`+strings.Repeat("x", 100)+`/cwagentd/statsd.sock" (from default: from $XDG_RUNTIME_DIR) is 122 bytes`,
		`use a shorter absolute path, or "" to disable`)

	// Unknown keys in the file, with the valid keys of their section.
	f("listen:\n  upd: 1.2.3.4:5\n", nil, []string{"--config=$FILE"},
		`unknown key "listen.upd" in file $FILE (line 2); did you mean "listen.udp"? valid keys in listen: udp, unixgram, unixgram_mode`)
	f("flush:\n  jitter: 1s\n  retries: 3\n", nil, []string{"--config=$FILE"},
		`unknown key "flush.retries" in file $FILE (line 3); valid keys in flush: jitter, request_timeout`)
	f("outptu: stdout\n", nil, []string{"--config=$FILE"},
		`unknown key "outptu" in file $FILE (line 1); did you mean "output"? valid top-level keys: listen, cloudwatch, aggregation, dimensions, flush, output, shutdown_timeout, log`)
	f("admni:\n  listen: 127.0.0.1:9090\n", nil, []string{"--config=$FILE"},
		`unknown key "admni" in file $FILE (line 1); did you mean "admin"?`)
	f("Listen:\n  udp: 1.2.3.4:5\n", nil, []string{"--config=$FILE"},
		`unknown key "Listen" in file $FILE (line 1); did you mean "listen"?`)
	f("config: /etc/other.yaml\n", nil, []string{"--config=$FILE"},
		`unknown key "config" in file $FILE (line 1)`)
	// The two likely slips: a dotted key written flat, a key outside its section.
	f("listen.udp: 1.2.3.4:5\n", nil, []string{"--config=$FILE"},
		`unknown key "listen.udp" in file $FILE (line 1); keys nest by the dot: write "listen:" and, indented below it, "udp: ..."`)
	f("namespace: MyApp\n", nil, []string{"--config=$FILE"},
		`unknown key "namespace" in file $FILE (line 1); did you mean "cloudwatch.namespace"? it belongs indented under "cloudwatch:"`)
	// Unknown nested sections: a section where a value belongs, and the reverse.
	f("listen:\n  udp:\n    host: 1.2.3.4\n    port: 5\n", nil, []string{"--config=$FILE"},
		`listen.udp: a mapping (from file $FILE, line 3) must be a single value`)
	f("log: debug\n", nil, []string{"--config=$FILE"},
		`log: "debug" (from file $FILE, line 1) must be a section with the keys level, format`)
	f("shutdown_timeout: [1s, 2s]\n", nil, []string{"--config=$FILE"},
		`shutdown_timeout: a list (from file $FILE, line 1) must be a single value`)
	f("- listen\n", nil, []string{"--config=$FILE"},
		`config file $FILE (line 1): the top level must be a mapping of keys (listen, cloudwatch, aggregation, dimensions, flush, output, shutdown_timeout, log, admin), not a list`)
	// A key with no value.
	f("listen:\n  udp:\n", nil, []string{"--config=$FILE"},
		`listen.udp: empty YAML value (from file $FILE, line 2); remove the line to use the default, or write "" to disable it`)
	f("aggregation:\n  period: null\n", nil, []string{"--config=$FILE"},
		`aggregation.period: empty YAML value (from file $FILE, line 2); remove the line to use the default, or give a value`)

	// Bad YAML names the file and the line.
	f("listen:\n  udp: [\n", nil, []string{"--config=$FILE"}, "config file $FILE: invalid YAML: yaml: line ")
	f("listen:\n\tudp: x\n", nil, []string{"--config=$FILE"}, "config file $FILE: invalid YAML: yaml: line 2")
	f("log:\n  level: info\n  level: debug\n", nil, []string{"--config=$FILE"},
		`key "log.level" appears twice in file $FILE (lines 2 and 3); keep one`)
	f("log:\n  level: info\noutput: stdout\nlog:\n  format: json\n", nil, []string{"--config=$FILE"},
		`key "log" appears twice in file $FILE (lines 1 and 4); keep one`)

	// A named file that is missing or unreadable.
	f("", nil, []string{"--config=/does/not/exist.yaml"},
		`config file "/does/not/exist.yaml" (from flag --config) does not exist; create it, or name an existing file with --config or CWAGENTD_CONFIG`)
	f("", []string{"CWAGENTD_CONFIG=/does/not/exist.yaml"}, nil,
		`config file "/does/not/exist.yaml" (from env CWAGENTD_CONFIG) does not exist`)
	f("", []string{"CWAGENTD_CONFIG=/"}, nil, `config file "/" (from env CWAGENTD_CONFIG) cannot be read: is a directory`)

	// Unknown CWAGENTD_* variables, with a suggestion when one is close.
	f("", []string{"CWAGENTD_LISTEN_UPD=1.2.3.4:5"}, nil,
		"unknown environment variable CWAGENTD_LISTEN_UPD; did you mean CWAGENTD_LISTEN_UDP?")
	f("", []string{"CWAGENTD_LISTEN.UDP=1.2.3.4:5"}, nil,
		"unknown environment variable CWAGENTD_LISTEN.UDP; did you mean CWAGENTD_LISTEN_UDP?")
	f("", []string{"CWAGENTD_PERIOD=10s"}, nil,
		"unknown environment variable CWAGENTD_PERIOD; valid: CWAGENTD_CONFIG, CWAGENTD_LISTEN_UDP, ")
	f("", []string{"CWAGENTD_CONFIG_FILE=/etc/cwagentd.yaml"}, nil,
		"unknown environment variable CWAGENTD_CONFIG_FILE; did you mean CWAGENTD_CONFIG?")
}

func TestLoad_MultipleErrors(t *testing.T) {
	cfg, path, err := run(t, strings.Join([]string{
		"listen:",
		"  udp: nope",
		"  unixgram: relative.sock",
		"cloudwatch:",
		"  namespace: AWS/Mine",
		"flush:",
		"  jitter: 70s",
		"  retries: 3",
		"",
	}, "\n"), []string{
		"CWAGENTD_LOG_LEVLE=debug",
		"CWAGENTD_AGGREGATION_PERIOD=45s",
	}, []string{"--config=$FILE", "--log.format=xml"})
	require.Nil(t, cfg)
	var errs Errors
	require.True(t, errors.As(err, &errs))
	want := []string{
		`unknown key "flush.retries" in file ` + path + ` (line 8)`,
		"unknown environment variable CWAGENTD_LOG_LEVLE; did you mean CWAGENTD_LOG_LEVEL?",
		`listen.udp: "nope" (from file ` + path + `)`,
		`listen.unixgram: "relative.sock" (from file ` + path + `)`,
		`cloudwatch.namespace: "AWS/Mine" (from file ` + path + `)`,
		`aggregation.period: "45s" (from env CWAGENTD_AGGREGATION_PERIOD)`,
		`log.format: "xml" (from flag --log.format)`,
	}
	lines := strings.Split(err.Error(), "\n")
	require.Len(t, errs, len(want), err.Error())
	require.Len(t, lines, len(want), err.Error())
	for i := range want {
		require.True(t, strings.HasPrefix(lines[i], want[i]), "line %d: %s", i, lines[i])
	}

	// With a valid period, the jitter rule between keys is checked too.
	_, _, err = run(t, "", []string{"CWAGENTD_AGGREGATION_PERIOD=10s", "CWAGENTD_FLUSH_JITTER=10s", "CWAGENTD_OUTPUT=x"}, nil)
	require.Error(t, err)
	lines = strings.Split(err.Error(), "\n")
	require.Len(t, lines, 2, err.Error())
	require.Equal(t, `flush.jitter: "10s" (from env CWAGENTD_FLUSH_JITTER) must be less than aggregation.period (10s); lower it, e.g. to 5s`, lines[0])
	require.Equal(t, `output: "x" (from env CWAGENTD_OUTPUT) must be one of cloudwatch, stdout`, lines[1])
}

func TestLoad_Typed(t *testing.T) {
	cfg, path, err := run(t, `
listen:
  udp: "[::1]:9125"
  unixgram: /run/cwagentd/statsd.sock
  unixgram_mode: 0660
cloudwatch:
  namespace: MyApp
aggregation:
  period: 10s
  gauge_ttl: 90s
flush:
  request_timeout: 1m30s
output: stdout
shutdown_timeout: 25s
log:
  level: warn
  format: json
`, nil, []string{"--config=$FILE"})
	require.NoError(t, err)
	want := Config{
		Listen:      Listen{UDP: "[::1]:9125", Unixgram: "/run/cwagentd/statsd.sock", UnixgramMode: 0o660, ReadBuffer: 8 << 20, Readers: 1},
		CloudWatch:  CloudWatch{Namespace: "MyApp", MaxRequestsPerSecond: 20, Burst: 5},
		Aggregation: Aggregation{Period: 10 * time.Second, GaugeTTL: 90 * time.Second, MaxSeries: 250000, HighResolutionPeriod: 10 * time.Second},
		Flush: Flush{Jitter: 5 * time.Second, RequestTimeout: 90 * time.Second,
			MaxConcurrency: 4, MaxPendingBytes: 64 << 20, MaxAge: 24 * time.Hour, SpoolMaxBytes: 1 << 30},
		Output:          OutputStdout,
		ShutdownTimeout: 25 * time.Second,
		Log:             Log{Level: "warn", Format: "json"},
		Admin:           Admin{Listen: "127.0.0.1:9102"},
	}
	got := *cfg
	got.sources, got.file = nil, ""
	require.Equal(t, want, got)
	require.Equal(t, path, cfg.File())
	require.Equal(t, SourceFile, cfg.Source("listen.udp"))
	require.Equal(t, "file "+path, cfg.Origin("listen.udp"))
	require.Equal(t, SourceDefault, cfg.Source("flush.jitter"))
	require.Equal(t, "default: min(10s, aggregation.period/2)", cfg.Origin("flush.jitter"))
	require.Equal(t, "", cfg.Source("no.such.key"))
	require.Equal(t, "", cfg.Origin("no.such.key"))
}

// Load reads the environment only through its argument.
func TestLoad_Hermetic(t *testing.T) {
	t.Setenv("CWAGENTD_LISTEN_UDP", "bogus")
	t.Setenv("CWAGENTD_BOGUS", "1")
	t.Setenv("CWAGENTD_CONFIG", "/does/not/exist.yaml")
	cfg, err := Load(nil, nil)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8125", cfg.Listen.UDP)
	require.Equal(t, SourceDefault, cfg.Source("listen.udp"))
	require.Equal(t, "", cfg.File())

	cfg, err = Load(nil, []string{"CWAGENTD_LISTEN_UDP=127.0.0.1:1"})
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:1", cfg.Listen.UDP)
}

// Loading the same inputs twice gives the same config: nothing leaks
// between loads (a fresh viper each time).
func TestLoad_Repeatable(t *testing.T) {
	fs := pflag.NewFlagSet("cwagentd", pflag.ContinueOnError)
	Flags(fs)
	require.NoError(t, fs.Parse([]string{"--output=stdout"}))
	a, err := load(fs, []string{"CWAGENTD_LOG_LEVEL=debug"}, testEUID)
	require.NoError(t, err)
	b, err := load(fs, nil, testEUID)
	require.NoError(t, err)
	require.Equal(t, "debug", a.Log.Level)
	require.Equal(t, "info", b.Log.Level)
	require.Equal(t, OutputStdout, b.Output)
}
