package config

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Load builds the effective, validated configuration from fs (already
// parsed; nil means no flags), environ (os.Environ() form, "K=V"; the first
// of duplicate names wins, as with os.Getenv) and the YAML file named by
// --config, or else by CWAGENTD_CONFIG. Without a file, defaults, env and
// flags apply; an explicitly named file that is missing is an error.
//
// Precedence is flag > env > file > default. An empty value counts: an
// empty --listen.udp= or CWAGENTD_LISTEN_UDP= disables the UDP listener.
//
// On failure Load returns a nil Config and an Errors holding every problem.
func Load(fs *pflag.FlagSet, environ []string) (*Config, error) {
	return load(fs, environ, os.Geteuid())
}

// load is Load with the effective user id given, for tests.
func load(fs *pflag.FlagSet, environ []string, euid int) (*Config, error) {
	env := parseEnviron(environ)
	var errs Errors

	var fv *fileValues
	if path, from, ok := configFile(fs, env); ok {
		var ferrs []error
		fv, ferrs = readFile(path, from)
		errs = append(errs, ferrs...)
	}
	errs = append(errs, unknownEnv(env)...)

	v, sources, verrs := layer(fs, env, fv, euid)
	errs = append(errs, verrs...)

	// Parse and check each key in order; aggregation.period comes before
	// flush.jitter, which depends on it.
	cfg := &Config{sources: sources}
	if fv != nil {
		cfg.file = fv.path
	}
	parsed := map[string]bool{}
	for _, s := range specs {
		text := textOf(v.Get(s.name))
		value, problem := s.parse(text)
		if problem == "" {
			s.set(cfg, value)
			parsed[s.name] = true
			if s.name == "listen.unix" && parsed["listen.unixgram"] && cfg.Listen.Unix != "" && cfg.Listen.Unix == cfg.Listen.Unixgram {
				problem = "is the same path as listen.unixgram; the stream and the datagram socket need a file each, e.g. " +
					strings.TrimSuffix(cfg.Listen.Unix, ".sock") + "-stream.sock"
			}
			if s.name == "aggregation.high_resolution" && parsed["aggregation.period"] {
				problem = checkHighRes(cfg.Aggregation.HighResolution, cfg.Aggregation.Period)
			}
			if s.name == "dimensions.metadata" && parsed["dimensions.static"] {
				problem = checkOperatorDims(cfg.Dimensions.Static, cfg.Dimensions.Metadata)
			}
			if s.name == "flush.jitter" && parsed["aggregation.period"] && parsed["aggregation.high_resolution_period"] {
				name, period := cfg.tick()
				if sources[s.name].kind == SourceDefault {
					cfg.Flush.Jitter = defaultJitter(period)
					sources[s.name] = origin{SourceDefault, "min(10s, " + name + "/2)"}
				} else {
					problem = checkJitter(cfg.Flush.Jitter, name, period)
				}
			}
		}
		if problem != "" {
			errs = append(errs, &valueError{key: s.name, value: text, from: sources[s.name], problem: problem})
		}
	}

	if len(errs) > 0 {
		return nil, errs
	}
	return cfg, nil
}

// layer stacks the sources in a fresh viper, flag > env > file > default,
// and says where each key's value comes from.
//
// Viper's own env layer reads the process environment (os.LookupEnv), so it
// is not used: env values from environ go in with Set, which outranks every
// layer, but only for keys whose flag was not given. That keeps the
// precedence exact and Load hermetic.
func layer(fs *pflag.FlagSet, env map[string]string, fv *fileValues, euid int) (*viper.Viper, map[string]origin, []error) {
	var errs []error
	v := viper.New()
	unixgram, unixgramNote := defaultUnixgram(env, euid)
	for _, s := range specs {
		def := s.def
		if s.name == "listen.unixgram" {
			def = unixgram
		}
		v.SetDefault(s.name, def)
	}
	if fv != nil {
		if err := v.MergeConfigMap(fv.tree); err != nil {
			errs = append(errs, fmt.Errorf("config file %s: %v", fv.path, err))
		}
	}
	sources := make(map[string]origin, len(specs))
	for _, s := range specs {
		flag := lookupFlag(fs, s.name)
		if flag != nil {
			if err := v.BindPFlag(s.name, flag); err != nil {
				errs = append(errs, fmt.Errorf("flag --%s: %v", s.name, err))
			}
		}
		envValue, inEnv := env[EnvVar(s.name)]
		switch {
		case flag != nil && flag.Changed:
			sources[s.name] = origin{SourceFlag, "--" + s.name}
		case inEnv:
			v.Set(s.name, envValue)
			sources[s.name] = origin{SourceEnv, EnvVar(s.name)}
		case fv != nil && fv.set[s.name]:
			sources[s.name] = origin{SourceFile, fv.path}
		case s.name == "listen.unixgram":
			sources[s.name] = origin{SourceDefault, unixgramNote}
		default:
			sources[s.name] = origin{SourceDefault, ""}
		}
	}
	return v, sources, errs
}

// parseEnviron turns "K=V" entries into a map; the first of duplicate names
// wins, as with os.Getenv.
func parseEnviron(environ []string) map[string]string {
	env := make(map[string]string, len(environ))
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		if _, dup := env[k]; !dup {
			env[k] = v
		}
	}
	return env
}

// configFile is the file named by --config, else by CWAGENTD_CONFIG; an
// empty name means none.
func configFile(fs *pflag.FlagSet, env map[string]string) (path string, from origin, ok bool) {
	if f := lookupFlag(fs, FlagConfig); f != nil && f.Changed {
		path, from = f.Value.String(), origin{SourceFlag, "--" + FlagConfig}
	} else if p, set := env[EnvConfig]; set {
		path, from = p, origin{SourceEnv, EnvConfig}
	}
	return path, from, path != ""
}

func lookupFlag(fs *pflag.FlagSet, name string) *pflag.Flag {
	if fs == nil {
		return nil
	}
	return fs.Lookup(name)
}

// unknownEnv reports every CWAGENTD_* variable that is not a key's.
func unknownEnv(env map[string]string) []error {
	known := []string{strings.TrimPrefix(EnvConfig, envPrefix)}
	for _, s := range specs {
		known = append(known, strings.TrimPrefix(EnvVar(s.name), envPrefix))
	}
	var names []string
	for name := range env {
		rest, ours := strings.CutPrefix(name, envPrefix)
		if ours && !slices.Contains(known, rest) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	errs := make([]error, 0, len(names))
	for _, name := range names {
		msg := "unknown environment variable " + name
		if s := suggest(strings.TrimPrefix(name, envPrefix), known); s != "" {
			msg += "; did you mean " + envPrefix + s + "?"
		} else {
			msg += "; valid: " + envPrefix + strings.Join(known, ", "+envPrefix)
		}
		errs = append(errs, fmt.Errorf("%s", msg))
	}
	return errs
}

// textOf is a value from viper as text. Every layer holds strings (flags
// are string flags, env and file values are kept as written), so this is
// a plain conversion.
func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}
