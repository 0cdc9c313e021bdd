package config

import (
	"path"
	"strconv"
	"strings"
)

// defaultUnixgram is listen.unixgram when not set, and a note saying why:
//
//   - $RUNTIME_DIRECTORY/statsd.sock under systemd with RuntimeDirectory=
//     (the first entry when it lists several, separated by ':');
//   - /run/cwagentd/statsd.sock when running as root;
//   - $XDG_RUNTIME_DIR/cwagentd/statsd.sock for a user with a login session;
//   - $TMPDIR/cwagentd-<uid>/statsd.sock otherwise (/tmp when TMPDIR is
//     unset, as os.TempDir does on Unix).
//
// Relative RUNTIME_DIRECTORY and XDG_RUNTIME_DIR values are ignored (both
// must be absolute). The directory may not exist yet: the listener creates
// it.
func defaultUnixgram(env map[string]string, euid int) (sock, note string) {
	if dirs := env["RUNTIME_DIRECTORY"]; dirs != "" {
		dir, _, _ := strings.Cut(dirs, ":")
		if path.IsAbs(dir) {
			return path.Join(dir, "statsd.sock"), "from $RUNTIME_DIRECTORY"
		}
	}
	if euid == 0 {
		return "/run/cwagentd/statsd.sock", "running as root"
	}
	if dir := env["XDG_RUNTIME_DIR"]; path.IsAbs(dir) {
		return path.Join(dir, "cwagentd", "statsd.sock"), "from $XDG_RUNTIME_DIR"
	}
	tmp, note := env["TMPDIR"], "from $TMPDIR"
	if tmp == "" {
		tmp, note = "/tmp", "no runtime directory, so in /tmp"
	}
	return path.Join(tmp, "cwagentd-"+strconv.Itoa(euid), "statsd.sock"), note
}
