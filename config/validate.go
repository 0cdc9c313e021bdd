package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cwagentd/cwagentd/internal/cwtext"
)

// Each parse function turns a key's text into its typed value, or returns a
// problem: what is wrong and what is allowed, phrased to follow
// `key: "value" (from source) `.

// maxSunPath is the longest path a Unix socket can bind to on Linux:
// sizeof(sockaddr_un.sun_path) minus the terminating NUL.
const maxSunPath = 107

// periodChoices are the periods that divide a minute evenly.
const periodChoices = "1s, 2s, 3s, 4s, 5s, 6s, 10s, 12s, 15s, 20s, 30s, 60s"

// parseHostPort returns the parser of a host:port key; example is shown
// in the fix, and minPort is 0 where "any free port" makes sense.
func parseHostPort(example string, minPort uint64) func(string) (any, string) {
	return func(s string) (any, string) {
		if s == "" {
			return s, ""
		}
		_, port, err := net.SplitHostPort(s)
		if err != nil {
			return nil, fmt.Sprintf(`is not a host:port address; use host:port, e.g. %s, [::1]%s or %s (all interfaces), or "" to disable`,
				example, example[strings.LastIndexByte(example, ':'):], example[strings.LastIndexByte(example, ':'):])
		}
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n < minPort {
			if minPort == 0 {
				return nil, fmt.Sprintf("has port %q; the port must be a number from 0 (any free port, logged at start) to 65535, e.g. %s", port, example)
			}
			return nil, fmt.Sprintf("has port %q; the port must be a number from 1 to 65535, e.g. %s", port, example)
		}
		return s, ""
	}
}

var (
	parseUDP   = parseHostPort("127.0.0.1:8125", 1)
	parseAdmin = parseHostPort("127.0.0.1:9102", 0)
)

// parsePath returns the parser of an absolute-path key that "" disables;
// example is shown in the fixes.
func parsePath(example string) func(string) (any, string) {
	return func(s string) (any, string) {
		switch {
		case s == "":
			return s, ""
		case strings.IndexByte(s, 0) >= 0:
			return nil, `contains a NUL byte; use a plain absolute path, e.g. ` + example + `, or "" to disable`
		case !filepath.IsAbs(s):
			return nil, `must be an absolute path, e.g. ` + example + `, or "" to disable`
		}
		return filepath.Clean(s), ""
	}
}

var parseDir = parsePath("/var/lib/cwagentd/spool")

// parseUnixgram is parsePath for a socket file: not a directory, and short
// enough for sockaddr_un.
func parseUnixgram(s string) (any, string) {
	v, problem := parsePath("/run/cwagentd/statsd.sock")(s)
	switch {
	case problem != "" || s == "":
		return v, problem
	case strings.HasSuffix(s, "/"):
		return nil, fmt.Sprintf(`names a directory; give the socket file's path, e.g. %s`, filepath.Join(s, "statsd.sock"))
	case len(s) > maxSunPath:
		return nil, fmt.Sprintf(`is %d bytes, longer than the %d a Unix socket path allows; use a shorter absolute path, or "" to disable`, len(s), maxSunPath)
	}
	return s, ""
}

// parseMode reads permission bits in octal: "0666", "666" and "0o666" all
// mean rw-rw-rw-. An unquoted YAML number arrives as the digits written, so
// it reads the same way.
func parseMode(s string) (any, string) {
	digits := s
	if len(digits) > 2 && digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O') {
		digits = digits[2:]
	}
	n, err := strconv.ParseUint(digits, 8, 32)
	if err != nil || digits == "" || digits[0] == '+' || digits[0] == '-' {
		return nil, "is not an octal permission mode; use octal digits like 0666, 0660 or 0600"
	}
	if n > 0o777 {
		return nil, "is above 0777; only permission bits are allowed (no setuid, setgid or sticky bit), e.g. 0660"
	}
	return os.FileMode(n), ""
}

func formatMode(m os.FileMode) string {
	return fmt.Sprintf("%04o", uint32(m.Perm()))
}

func parseNamespace(s string) (any, string) {
	const rule = "a CloudWatch namespace is 1..255 bytes of UTF-8 without control characters, not starting with ':' or 'AWS/'"
	switch {
	case s == "":
		return nil, "is empty; " + rule + ", e.g. StatsD"
	case strings.HasPrefix(s, ":"):
		return nil, "starts with ':'; " + rule
	case strings.HasPrefix(s, "AWS/"):
		return nil, "starts with 'AWS/', which is reserved for AWS services; " + rule
	}
	if p := withRule(cwtext.Problem(s, 255), rule); p != "" {
		return nil, p
	}
	return s, ""
}

func parseEnum(allowed ...string) func(string) (any, string) {
	return func(s string) (any, string) {
		for _, a := range allowed {
			if s == a {
				return s, ""
			}
		}
		return nil, "must be one of " + strings.Join(allowed, ", ")
	}
}

// parseDuration reads a Go duration ("60s", "1m30s", "500ms").
func parseDuration(s string) (time.Duration, string) {
	d, err := time.ParseDuration(s)
	if err == nil {
		return d, ""
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return 0, fmt.Sprintf("has no unit; write it with one, e.g. %q", s+"s")
	}
	return 0, "is not a duration; use a number with a unit (ms, s, m, h), e.g. 60s, 1m30s or 500ms"
}

func parseNonNegative(s string) (any, string) {
	d, problem := parseDuration(s)
	if problem != "" {
		return nil, problem
	}
	if d < 0 {
		return nil, "must not be negative; use 0s or more"
	}
	return d, ""
}

func parseRange(min, max time.Duration) func(string) (any, string) {
	return func(s string) (any, string) {
		d, problem := parseDuration(s)
		if problem != "" {
			return nil, problem
		}
		if d < min || d > max {
			return nil, fmt.Sprintf("must be from %s to %s", formatDuration(min), formatDuration(max))
		}
		return d, ""
	}
}

var (
	parseRequestTimeout  = parseRange(100*time.Millisecond, 5*time.Minute)
	parseShutdownTimeout = parseRange(time.Second, 10*time.Minute)
)

func parsePeriod(s string) (any, string) {
	d, problem := parseDuration(s)
	switch {
	case problem != "":
		return nil, problem
	case d < time.Second || d > time.Minute:
		return nil, "must be from 1s to 60s; use one of " + periodChoices
	case d%time.Second != 0:
		return nil, "must be a whole number of seconds; use one of " + periodChoices
	case time.Minute%d != 0:
		return nil, "must divide 60s evenly; use one of " + periodChoices
	}
	return d, ""
}

// checkJitter is the rule between flush.jitter and the shortest period (key
// names it): a period must be on its way before the next one closes.
func checkJitter(jitter time.Duration, key string, period time.Duration) string {
	if jitter < period {
		return ""
	}
	return fmt.Sprintf("must be less than %s (%s); lower it, e.g. to %s", key, formatDuration(period), formatDuration(period/2))
}

// defaultJitter is flush.jitter when left at its default: 10s, but at most
// half the period so that short periods still flush well before the next.
func defaultJitter(period time.Duration) time.Duration {
	return min(10*time.Second, period/2)
}

// formatDuration prints d the way a person writes it: up to a minute in
// seconds ("60s"), longer without trailing zero units ("5m", "1m30s").
func formatDuration(d time.Duration) string {
	if d > 0 && d <= time.Minute && d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func parseFloatRange(min, max float64) func(string) (any, string) {
	return func(s string) (any, string) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f < min || f > max || f != f {
			return nil, fmt.Sprintf("must be a number from %g to %g", min, max)
		}
		return f, ""
	}
}

func parseIntRange(min, max int) func(string) (any, string) {
	return func(s string) (any, string) {
		n, err := strconv.Atoi(s)
		if err != nil || n < min || n > max {
			return nil, fmt.Sprintf("must be a whole number from %d to %d", min, max)
		}
		return n, ""
	}
}

// byteUnits are the suffixes parseBytes accepts, longest first.
var byteUnits = []struct {
	suffix string
	n      int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}}

// parseBytes reads a byte count: a whole number, optionally with a unit
// (B, KB, MB, GB in powers of 1000; KiB, MiB, GiB in powers of 1024).
func parseBytes(min, max int64) func(string) (any, string) {
	return func(s string) (any, string) {
		digits, mult := s, int64(1)
		for _, u := range byteUnits {
			if strings.HasSuffix(s, u.suffix) {
				digits, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.n
				break
			}
		}
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n < 0 || n > max/mult {
			return nil, fmt.Sprintf("is not a byte count from %s to %s; use a whole number with an optional unit, e.g. 64MiB, 500MB or 1048576", formatBytes(min), formatBytes(max))
		}
		if n*mult < min {
			return nil, fmt.Sprintf("must be at least %s", formatBytes(min))
		}
		return n * mult, ""
	}
}

// formatBytes prints n with the largest unit that divides it.
func formatBytes(n int64) string {
	for _, u := range byteUnits {
		if u.n > 1 && n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
