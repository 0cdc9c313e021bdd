package config

import (
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"
)

func TestKeys(t *testing.T) {
	require.Equal(t, []string{
		"listen.udp",
		"listen.unixgram",
		"listen.unixgram_mode",
		"listen.read_buffer",
		"listen.readers",
		"listen.unix",
		"cloudwatch.namespace",
		"cloudwatch.max_requests_per_second",
		"cloudwatch.burst",
		"aggregation.period",
		"aggregation.gauge_ttl",
		"aggregation.max_series",
		"aggregation.units",
		"aggregation.rollups",
		"aggregation.high_resolution",
		"aggregation.high_resolution_period",
		"dimensions.static",
		"dimensions.metadata",
		"dimensions.rename",
		"dimensions.rules",
		"dimensions.bare_tag_value",
		"flush.jitter",
		"flush.request_timeout",
		"flush.max_concurrency",
		"flush.max_pending_bytes",
		"flush.max_age",
		"flush.spool_dir",
		"flush.spool_max_bytes",
		"output",
		"shutdown_timeout",
		"log.level",
		"log.format",
		"admin.listen",
	}, Keys())

	// Keys returns a copy.
	k := Keys()
	k[0] = "changed"
	require.Equal(t, "listen.udp", Keys()[0])

	require.Equal(t, "CWAGENTD_LISTEN_UDP", EnvVar("listen.udp"))
	require.Equal(t, "CWAGENTD_LISTEN_UNIXGRAM_MODE", EnvVar("listen.unixgram_mode"))
	require.Equal(t, "CWAGENTD_SHUTDOWN_TIMEOUT", EnvVar("shutdown_timeout"))
}

// The mapstructure tags of Config spell exactly the keys, in order, so
// viper.Unmarshal into Config agrees with Load.
func TestKeys_MatchStructTags(t *testing.T) {
	var tagged []string
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			field := typ.Field(i)
			if !field.IsExported() {
				continue
			}
			tag := field.Tag.Get("mapstructure")
			require.NotEmpty(t, tag, "field %s has no mapstructure tag", field.Name)
			if field.Type.Kind() == reflect.Struct {
				walk(prefix+tag+".", field.Type)
				continue
			}
			tagged = append(tagged, prefix+tag)
		}
	}
	walk("", reflect.TypeOf(Config{}))
	require.Equal(t, Keys(), tagged)
}

func TestFlags(t *testing.T) {
	fs := pflag.NewFlagSet("cwagentd", pflag.ContinueOnError)
	Flags(fs)

	f := func(name string, wants ...string) {
		t.Helper()
		flag := fs.Lookup(name)
		require.NotNil(t, flag, "no flag --%s", name)
		require.Equal(t, "", flag.DefValue, "a flag counts only when given")
		for _, want := range wants {
			require.Contains(t, flag.Usage, want, "--%s", name)
		}
	}
	f("config", "CWAGENTD_CONFIG")
	for _, key := range Keys() {
		s, _ := specFor(key)
		def := s.def
		if s.defHelp != "" {
			def = s.defHelp
		}
		f(key, "(default "+def+"; env "+EnvVar(key)+")", s.help)
	}
	f("listen.udp", `"" disables`, "1..65535")
	f("listen.unixgram", "$RUNTIME_DIRECTORY/statsd.sock", "/run/cwagentd/statsd.sock", "$XDG_RUNTIME_DIR", "107 bytes")
	f("listen.unixgram_mode", "default 0666", "0..0777")
	f("aggregation.period", "default 60s", "1s to 60s", "dividing 60s")
	f("flush.jitter", "min(10s, aggregation.period/2)", "less than aggregation.period")
	f("flush.request_timeout", "100ms..5m")
	f("output", "cloudwatch", "stdout")
	f("shutdown_timeout", "default 20s", "1s..10m")

	n := 0
	fs.VisitAll(func(*pflag.Flag) { n++ })
	require.Equal(t, len(Keys())+1, n)
}

func TestSuggest(t *testing.T) {
	f := func(s string, candidates string, want string) {
		t.Helper()
		require.Equal(t, want, suggest(s, strings.Split(candidates, " ")))
	}
	f("LISTEN_UPD", "LISTEN_UDP LISTEN_UNIXGRAM", "LISTEN_UDP")
	f("listen_udp", "LISTEN_UDP LISTEN_UNIXGRAM", "LISTEN_UDP")
	f("LOG_LEVLE", "LOG_LEVEL LOG_FORMAT", "LOG_LEVEL")
	f("foo", "listen log output", "")
	f("PERIOD", "AGGREGATION_PERIOD OUTPUT", "")
	f("udp", "udp unixgram", "udp")
	f("CONFIG_FILE", "CONFIG LISTEN_UDP", "CONFIG")
	f("LISTEN_UDP_PORT", "LISTEN LISTEN_UDP OUTPUT", "LISTEN_UDP")
	f("LISTENER", "LISTEN OUTPUT", "LISTEN")
	f("CONFIGX", "CONFIG OUTPUT", "CONFIG")

	d := func(a, b string, want int) {
		t.Helper()
		require.Equal(t, want, editDistance(a, b))
		require.Equal(t, want, editDistance(b, a))
	}
	d("", "", 0)
	d("", "abc", 3)
	d("abc", "abc", 0)
	d("abc", "acb", 1)
	d("kitten", "sitting", 3)
	d("ca", "abc", 3)
}
