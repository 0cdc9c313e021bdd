package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func TestRender(t *testing.T) {
	cfg, path, err := run(t, "listen:\n  udp: \"[::1]:9125\"\nlog:\n  level: debug\n",
		[]string{"CWAGENTD_AGGREGATION_PERIOD=4s", "CWAGENTD_CLOUDWATCH_NAMESPACE=a: b #c", "XDG_RUNTIME_DIR=/run/user/1000"},
		[]string{"--config=$FILE", "--output=stdout", "--listen.unixgram_mode=640"})
	require.NoError(t, err)
	out := cfg.Render()

	f := func(want string) {
		t.Helper()
		require.Contains(t, out, want+"\n", out)
	}
	f("# config file: " + path)
	f("listen:")
	f(`  udp: '[::1]:9125' # file ` + path)
	f("  unixgram: /run/user/1000/cwagentd/statsd.sock # default: from $XDG_RUNTIME_DIR")
	f(`  unixgram_mode: "0640" # flag --listen.unixgram_mode`)
	f("cloudwatch:")
	f("  namespace: 'a: b #c' # env CWAGENTD_CLOUDWATCH_NAMESPACE")
	f("aggregation:")
	f("  period: 4s # env CWAGENTD_AGGREGATION_PERIOD")
	f("  gauge_ttl: 5m # default")
	f("flush:")
	f("  jitter: 2s # default: min(10s, aggregation.period/2)")
	f("  request_timeout: 10s # default")
	f("output: stdout # flag --output")
	f("shutdown_timeout: 20s # default")
	f("log:")
	f("  level: debug # file " + path)
	f("  format: text # default")

	// Every key, with its source, in Keys order.
	last := -1
	for _, key := range Keys() {
		_, child, _ := strings.Cut(key, ".")
		if child == "" {
			child = key
		}
		i := strings.Index(out[last+1:], child+": ")
		require.GreaterOrEqual(t, i, 0, "%s missing or out of order in\n%s", key, out)
		last += 1 + i
		line := out[last:]
		line = line[:strings.IndexByte(line, '\n')]
		require.Contains(t, line, " # "+cfg.Source(key), key)
	}
}

// Render's output is a config file that loads back to the same config.
func TestRender_RoundTrip(t *testing.T) {
	f := func(environ, args []string) {
		t.Helper()
		cfg, _, err := run(t, "", environ, args)
		require.NoError(t, err)

		path := filepath.Join(t.TempDir(), "rendered.yaml")
		require.NoError(t, os.WriteFile(path, []byte(cfg.Render()), 0o600))
		fs := pflag.NewFlagSet("cwagentd", pflag.ContinueOnError)
		Flags(fs)
		require.NoError(t, fs.Parse([]string{"--config", path}))
		back, err := load(fs, nil, testEUID)
		require.NoError(t, err, cfg.Render())
		for _, key := range Keys() {
			require.Equal(t, SourceFile, back.Source(key), key)
		}
		back.sources, back.file, cfg.sources, cfg.file = nil, "", nil, ""
		require.Equal(t, cfg, back)
	}
	f(nil, nil)
	f([]string{"CWAGENTD_LISTEN_UDP=", "CWAGENTD_CLOUDWATCH_NAMESPACE=\"quoted\" 'both' #and: colon"}, []string{"--listen.unixgram=/run/x y.sock", "--listen.unixgram_mode=0"})
	for _, key := range Keys() {
		f([]string{EnvVar(key) + "=" + otherValues[key]}, nil)
	}
	f([]string{"CWAGENTD_AGGREGATION_PERIOD=1s", "CWAGENTD_FLUSH_REQUEST_TIMEOUT=150ms", "CWAGENTD_AGGREGATION_GAUGE_TTL=1h0m1s"}, nil)
}

func TestRender_NoFile(t *testing.T) {
	cfg, err := load(nil, nil, testEUID)
	require.NoError(t, err)
	out := cfg.Render()
	require.NotContains(t, out, "config file")
	require.Equal(t, len(Keys()), strings.Count(out, " # default"), out)
}
