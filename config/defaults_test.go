package config

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestDefaultUnixgram(t *testing.T) {
	f := func(environ []string, euid int, want, wantNote string) {
		t.Helper()
		sock, note := defaultUnixgram(parseEnviron(environ), euid)
		require.Equal(t, want, sock)
		require.Equal(t, wantNote, note)

		// Load uses it, and says so.
		cfg, err := load(nil, environ, euid)
		require.NoError(t, err)
		require.Equal(t, want, cfg.Listen.Unixgram)
		require.Equal(t, SourceDefault, cfg.Source("listen.unixgram"))
		require.Equal(t, "default: "+wantNote, cfg.Origin("listen.unixgram"))
	}
	all := []string{"RUNTIME_DIRECTORY=/run/cwagentd", "XDG_RUNTIME_DIR=/run/user/1000", "TMPDIR=/var/tmp"}

	// systemd RuntimeDirectory= comes first, for root and for others.
	f(all, 0, "/run/cwagentd/statsd.sock", "from $RUNTIME_DIRECTORY")
	f(all, 1000, "/run/cwagentd/statsd.sock", "from $RUNTIME_DIRECTORY")
	f([]string{"RUNTIME_DIRECTORY=/run/a:/run/b"}, 998, "/run/a/statsd.sock", "from $RUNTIME_DIRECTORY")
	// Root without it: /run/cwagentd, even with a user's XDG_RUNTIME_DIR (sudo).
	f(all[1:], 0, "/run/cwagentd/statsd.sock", "running as root")
	f(nil, 0, "/run/cwagentd/statsd.sock", "running as root")
	// A user with a login session.
	f(all[1:], 1000, "/run/user/1000/cwagentd/statsd.sock", "from $XDG_RUNTIME_DIR")
	// A user without one: the temporary directory, per user.
	f(all[2:], 1000, "/var/tmp/cwagentd-1000/statsd.sock", "from $TMPDIR")
	f(nil, 1001, "/tmp/cwagentd-1001/statsd.sock", "no runtime directory, so in /tmp")
	// Empty and relative directories are ignored.
	f([]string{"RUNTIME_DIRECTORY=", "XDG_RUNTIME_DIR=run/user/1000", "TMPDIR="}, 1000, "/tmp/cwagentd-1000/statsd.sock", "no runtime directory, so in /tmp")
	f([]string{"RUNTIME_DIRECTORY=relative", "XDG_RUNTIME_DIR=/run/user/1000"}, 1000, "/run/user/1000/cwagentd/statsd.sock", "from $XDG_RUNTIME_DIR")
	// Trailing slashes do not double up.
	f([]string{"XDG_RUNTIME_DIR=/run/user/1000/"}, 1000, "/run/user/1000/cwagentd/statsd.sock", "from $XDG_RUNTIME_DIR")

	// A set value wins over the computed default.
	cfg, err := load(nil, append(all, "CWAGENTD_LISTEN_UNIXGRAM=/srv/s.sock"), 0)
	require.NoError(t, err)
	require.Equal(t, "/srv/s.sock", cfg.Listen.Unixgram)
	require.Equal(t, "env CWAGENTD_LISTEN_UNIXGRAM", cfg.Origin("listen.unixgram"))
}

func TestDefaultJitter(t *testing.T) {
	f := func(period, want time.Duration) {
		t.Helper()
		require.Equal(t, want, defaultJitter(period))
		require.Empty(t, checkJitter(want, "aggregation.period", period))
	}
	f(time.Second, 500*time.Millisecond)
	f(4*time.Second, 2*time.Second)
	f(20*time.Second, 10*time.Second)
	f(time.Minute, 10*time.Second)
}

func TestFormatDuration(t *testing.T) {
	f := func(d time.Duration, want string) {
		t.Helper()
		require.Equal(t, want, formatDuration(d))
		back, problem := parseDuration(want)
		require.Empty(t, problem)
		require.Equal(t, d, back)
	}
	f(0, "0s")
	f(100*time.Millisecond, "100ms")
	f(1500*time.Millisecond, "1.5s")
	f(time.Second, "1s")
	f(time.Minute, "60s")
	f(90*time.Second, "1m30s")
	f(5*time.Minute, "5m")
	f(time.Hour, "1h")
	f(90*time.Minute, "1h30m")
	f(time.Hour+time.Second, "1h0m1s")
}

func TestParseMode(t *testing.T) {
	ok := func(s string, want os.FileMode) {
		t.Helper()
		m, problem := parseMode(s)
		require.Empty(t, problem, s)
		require.Equal(t, want, m)
	}
	ok("0666", 0o666)
	ok("666", 0o666)
	ok("0o666", 0o666)
	ok("0O600", 0o600)
	ok("00644", 0o644)
	ok("0777", 0o777)
	ok("0", 0)

	bad := func(s string) {
		t.Helper()
		_, problem := parseMode(s)
		require.NotEmpty(t, problem, s)
	}
	for _, s := range []string{"", "0o", "8", "0x1b6", "+666", "-1", "1000", "0o1000", "rw", " 666", "6_66", "0666 "} {
		bad(s)
	}

	require.Equal(t, "0666", formatMode(0o666))
	require.Equal(t, "0000", formatMode(0))
	require.Equal(t, "0755", formatMode(os.ModeSetuid|0o755))
}
