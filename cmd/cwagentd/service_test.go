package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/cwagentd/cwagentd/packaging"
)

func TestServiceCmd_Usage(t *testing.T) {
	f := func(args []string, code int, wantErr string) {
		t.Helper()
		var out, errOut bytes.Buffer
		assert.Equal(t, code, cli(args, &out, &errOut), "%v", args)
		assert.Contains(t, errOut.String(), wantErr, "%v stderr", args)
	}
	f([]string{"service"}, 2, "cwagentd service install [--force] [--bin PATH]")
	f([]string{"service", "frob"}, 2, `unknown sub-command "frob"`)
	f([]string{"service", "status", "now"}, 2, `unexpected argument "now"`)
	f([]string{"service", "install", "--no-such-flag"}, 2, "unknown flag: --no-such-flag")
	f([]string{"service", "install", "stray"}, 2, `unexpected argument "stray"`)
	f([]string{"service", "install", "--help"}, 0, "--force")
}

// TestServiceInstall_TempRoot runs the real binary's "service" verbs with a
// temporary directory bind-mounted over /etc (unshare: private mount
// namespace) and a fake systemctl that records its arguments: kardianos
// writes the unit where it always does, and the test reads what it wrote.
func TestServiceInstall_TempRoot(t *testing.T) {
	r := newTempRoot(t)
	golden, err := os.ReadFile("../../systemd/cwagentd.service")
	require.NoError(t, err)
	unit := filepath.Join(r.dir, "etc/systemd/system/cwagentd.service")
	conf := filepath.Join(r.dir, "etc/cwagentd/cwagentd.yaml")
	mine := []byte("# the user's own config\nlog:\n  level: debug\n")
	install := []string{"service", "install", "--bin", "/usr/bin/cwagentd"}

	steps := []struct {
		name     string
		setup    func()
		args     []string
		code     int
		wantOut  []string
		wantErr  []string
		wantCall []string // systemctl invocations, in order
		check    func()
	}{{
		name:     "first install writes the packaged unit and the default config",
		args:     install,
		wantOut:  []string{"wrote /etc/systemd/system/cwagentd.service", "systemctl enable cwagentd.service", "systemctl daemon-reload", "wrote config /etc/cwagentd/cwagentd.yaml", "next: systemctl start cwagentd"},
		wantErr:  missingBinaryWarning(),
		wantCall: []string{"enable cwagentd.service", "daemon-reload"},
		check: func() {
			// The golden test: kardianos' render of the SystemdScript for
			// /usr/bin/cwagentd is the packaged unit, byte for byte.
			assert.Equal(t, string(golden), readFile(t, unit))
			assert.Equal(t, string(packaging.DefaultConfig), readFile(t, conf))
		},
	}, {
		name:    "second install is a no-op",
		args:    install,
		wantOut: []string{"unit /etc/systemd/system/cwagentd.service unchanged", "kept the existing config /etc/cwagentd/cwagentd.yaml"},
	}, {
		name:    "a locally edited unit is refused without --force",
		setup:   func() { appendFile(t, unit, "Environment=EDITED=1\n") },
		args:    install,
		code:    1,
		wantErr: []string{"/etc/systemd/system/cwagentd.service exists and differs", "--force", "systemctl edit cwagentd"},
		check:   func() { assert.Contains(t, readFile(t, unit), "EDITED=1") },
	}, {
		name:     "--force replaces the unit and keeps the user's config",
		setup:    func() { require.NoError(t, os.WriteFile(conf, mine, 0o600)) },
		args:     append(install, "--force"),
		wantOut:  []string{"removed the old /etc/systemd/system/cwagentd.service (--force)", "wrote /etc/systemd/system/cwagentd.service", "kept the existing config", "next: systemctl restart cwagentd"},
		wantCall: []string{"disable cwagentd.service", "daemon-reload", "enable cwagentd.service", "daemon-reload"},
		check: func() {
			assert.Equal(t, string(golden), readFile(t, unit))
			assert.Equal(t, string(mine), readFile(t, conf))
		},
	}, {
		name:    "a path the unit would need escaped is refused",
		args:    []string{"service", "install", "--force", "--bin", "/opt/my tools/cwagentd"},
		code:    1,
		wantErr: []string{`"/opt/my tools/cwagentd" has ' '`, "/usr/local/bin/cwagentd"},
	}, {
		name:    "a binary the sandbox hides is refused",
		args:    []string{"service", "install", "--force", "--bin", "/home/me/cwagentd"},
		code:    1,
		wantErr: []string{"ProtectHome=yes", "copy the binary to /usr/local/bin/cwagentd"},
	}, {
		name: "start", args: []string{"service", "start"},
		wantOut: []string{"systemctl start cwagentd.service: done"}, wantCall: []string{"start cwagentd.service"},
	}, {
		name: "restart", args: []string{"service", "restart"},
		wantOut: []string{"systemctl restart cwagentd.service: done"}, wantCall: []string{"restart cwagentd.service"},
	}, {
		name: "stop", args: []string{"service", "stop"},
		wantOut: []string{"systemctl stop cwagentd.service: done"}, wantCall: []string{"stop cwagentd.service"},
	}, {
		name: "status of a unit systemd does not know", args: []string{"service", "status"}, code: 3,
		setup:   func() { r.show(t, "LoadState=not-found\nActiveState=inactive\n") },
		wantOut: []string{"cwagentd.service: not installed"}, wantCall: []string{showCall},
	}, {
		name: "status while reloading is running", args: []string{"service", "status"},
		setup:   func() { r.show(t, "LoadState=loaded\nActiveState=reloading\n") },
		wantOut: []string{"cwagentd.service: running"}, wantCall: []string{showCall},
	}, {
		name: "status while waiting to restart after a crash is not running", args: []string{"service", "status"}, code: 3,
		setup:   func() { r.show(t, "LoadState=loaded\nActiveState=activating\n") },
		wantOut: []string{"cwagentd.service: starting"}, wantCall: []string{showCall},
	}, {
		name: "status failed", args: []string{"service", "status"}, code: 3,
		setup:   func() { r.show(t, "LoadState=loaded\nActiveState=failed\n") },
		wantOut: []string{"cwagentd.service: failed"}, wantCall: []string{showCall},
	}, {
		name:     "uninstall stops, disables and removes the unit and keeps the config",
		args:     []string{"service", "uninstall"},
		wantOut:  []string{"systemctl stop cwagentd.service", "removed /etc/systemd/system/cwagentd.service", "kept the config /etc/cwagentd/cwagentd.yaml"},
		wantCall: []string{"stop cwagentd.service", "disable cwagentd.service", "daemon-reload"},
		check: func() {
			assert.NoFileExists(t, unit)
			assert.Equal(t, string(mine), readFile(t, conf))
		},
	}, {
		name:    "uninstall again has nothing to do",
		args:    []string{"service", "uninstall"},
		wantOut: []string{"nothing to uninstall"},
	}}
	for _, s := range steps {
		if s.setup != nil {
			s.setup()
		}
		out, errOut, code := r.run(t, s.args...)
		require.Equal(t, s.code, code, "%s: %v\nstdout:\n%s\nstderr:\n%s", s.name, s.args, out, errOut)
		for _, w := range s.wantOut {
			assert.Contains(t, out, w, s.name)
		}
		for _, w := range s.wantErr {
			assert.Contains(t, errOut, w, s.name)
		}
		assert.Equal(t, s.wantCall, r.systemctlCalls(t), "%s: systemctl calls", s.name)
		if s.check != nil {
			s.check()
		}
	}
}

// tempRoot is a built cwagentd, a directory to mount over /etc, and a fake
// systemctl that appends its arguments to a log.
type tempRoot struct {
	dir, bin, log, unshare string
}

// runScript mounts $ROOT/etc over /etc in the private mount namespace that
// unshare made, so nothing reaches the host's /etc, and puts the fake
// systemctl first in PATH.
const runScript = `mount --bind "$ROOT/etc" /etc
PATH="$ROOT/fakebin:$PATH" exec "$BIN" "$@"`

func newTempRoot(t *testing.T) *tempRoot {
	t.Helper()
	testenv.Root(t, "unshare --mount and mount --bind")
	unshare := testenv.Tool(t, "unshare", "util-linux")
	dir := t.TempDir()
	r := &tempRoot{dir: dir, bin: filepath.Join(dir, "build", "cwagentd"), log: filepath.Join(dir, "systemctl.log"), unshare: unshare}
	for _, d := range []string{"etc/systemd/system", "fakebin"} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, d), 0o755))
	}
	fake := "#!/bin/sh\necho \"$*\" >> '" + r.log + "'\n" +
		"if [ \"$1\" = show ]; then cat '" + filepath.Join(dir, "show") + "'; fi\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fakebin", "systemctl"), []byte(fake), 0o755))
	build := exec.Command("go", "build", "-o", r.bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return r
}

func (r *tempRoot) run(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(r.unshare, append([]string{"--mount", "--propagation", "private", "sh", "-euc", runScript, "sh"}, args...)...)
	cmd.Env = append(os.Environ(), "ROOT="+r.dir, "BIN="+r.bin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errOut.String(), exit.ExitCode()
	}
	require.NoError(t, err)
	return out.String(), errOut.String(), 0
}

// showCall is how Status asks systemctl.
const showCall = "show --property=LoadState,ActiveState cwagentd.service"

// show sets what the fake systemctl prints for show.
func (r *tempRoot) show(t *testing.T, props string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(r.dir, "show"), []byte(props), 0o644))
}

// missingBinaryWarning is the warning install gives for --bin
// /usr/bin/cwagentd: only where that file does not exist (a host with the
// package installed has it; the test mounts over /etc only).
func missingBinaryWarning() []string {
	if _, err := os.Stat("/usr/bin/cwagentd"); err == nil {
		return nil
	}
	return []string{"warning: stat /usr/bin/cwagentd"}
}

// systemctlCalls returns the fake systemctl's calls since the last one and
// clears the log.
func (r *tempRoot) systemctlCalls(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(r.log)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	require.NoError(t, err)
	require.NoError(t, os.Remove(r.log))
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}
