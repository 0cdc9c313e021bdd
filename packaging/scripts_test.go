package packaging_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The maintainer scripts run here against stub commands that log their
// arguments: PATH holds only the stubs, so nothing on this machine changes.
// Whether systemd "is running" is decided by rewriting the scripts'
// /run/systemd/system to a directory that exists or not.

// scriptRun is one run of a maintainer script.
type scriptRun struct {
	script  string   // path under packaging/scripts
	args    []string // what dpkg or rpm passes
	running bool     // systemd is PID 1
	missing []string // stub commands left out (not installed)
	failing []string // stub commands that exit 1
	userOK  bool     // getent finds the cwagentd user
	// deb-systemd-helper was-enabled answers "disabled": the admin
	// disabled the unit since the package enabled it.
	adminDisabled bool
	fails         bool // the script must exit non-zero
}

var stubs = []string{"systemd-sysusers", "useradd", "getent", "deb-systemd-helper", "deb-systemd-invoke", "systemctl"}

// run executes the script and returns the stub calls, one "cmd args" a line.
func (r scriptRun) run(t *testing.T) []string {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.Mkdir(bin, 0o755))
	for _, name := range stubs {
		if slices.Contains(r.missing, name) {
			continue
		}
		code := 0
		if slices.Contains(r.failing, name) || (name == "getent" && !r.userOK) {
			code = 1
			if name == "getent" {
				code = 2 // getent: key not found
			}
		}
		wasEnabled := code
		if r.adminDisabled {
			wasEnabled = 1
		}
		stub := fmt.Sprintf("#!/bin/sh\necho \"${0##*/} $*\" >>\"$STUB_LOG\"\n"+
			"[ \"$2\" = was-enabled ] && exit %d\nexit %d\n", wasEnabled, code)
		require.NoError(t, os.WriteFile(filepath.Join(bin, name), []byte(stub), 0o755))
	}

	src, err := os.ReadFile(filepath.Join("scripts", r.script))
	require.NoError(t, err)
	require.Contains(t, string(src), "/run/systemd/system", "the script must check whether systemd runs")
	systemdDir := filepath.Join(dir, "no-systemd")
	if r.running {
		systemdDir = filepath.Join(dir, "systemd")
		require.NoError(t, os.Mkdir(systemdDir, 0o755))
	}
	script := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(script, []byte(strings.ReplaceAll(string(src), "/run/systemd/system", systemdDir)), 0o755))

	log := filepath.Join(dir, "calls")
	cmd := exec.Command("/bin/sh", append([]string{script}, r.args...)...)
	cmd.Env = []string{"PATH=" + bin, "STUB_LOG=" + log}
	out, err := cmd.CombinedOutput()
	if r.fails {
		require.Error(t, err, "%s %q must fail: %s", r.script, r.args, out)
	} else {
		require.NoError(t, err, "%s %q failed: %s", r.script, r.args, out)
	}
	calls, err := os.ReadFile(log)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return strings.Split(strings.TrimSuffix(string(calls), "\n"), "\n")
}

const (
	sysusers = "systemd-sysusers /usr/lib/sysusers.d/cwagentd.conf"
	useradd  = "useradd --system --user-group --home-dir /var/lib/cwagentd --no-create-home --shell /usr/sbin/nologin --comment cwagentd StatsD agent cwagentd"
	getent   = "getent passwd cwagentd"
)

func TestDebScripts(t *testing.T) {
	f := func(name string, r scriptRun, want ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			require.Equal(t, want, r.run(t))
		})
	}
	const (
		wasEnabled = "deb-systemd-helper --quiet was-enabled cwagentd.service"
		enable     = "deb-systemd-helper enable cwagentd.service"
		reload     = "systemctl --system daemon-reload"
	)
	// postinst configure [old-version]
	f("first install", scriptRun{script: "deb/postinst", args: []string{"configure", ""}, running: true},
		sysusers, wasEnabled, enable, reload)
	f("first install, no version argument", scriptRun{script: "deb/postinst", args: []string{"configure"}, running: true},
		sysusers, wasEnabled, enable, reload)
	f("upgrade restarts if running", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}, running: true},
		sysusers, wasEnabled, enable, reload, "deb-systemd-invoke try-restart cwagentd.service")
	f("upgrade keeps the admin's disable", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}, running: true, adminDisabled: true},
		sysusers, wasEnabled, "deb-systemd-helper update-state cwagentd.service", reload, "deb-systemd-invoke try-restart cwagentd.service")
	f("first install without systemd running", scriptRun{script: "deb/postinst", args: []string{"configure", ""}},
		sysusers, wasEnabled, enable)
	f("upgrade without systemd running", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}},
		sysusers, wasEnabled, enable)
	f("no systemd-sysusers: useradd", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}, missing: []string{"systemd-sysusers"}},
		getent, useradd, wasEnabled, enable)
	f("no systemd-sysusers, user exists", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}, missing: []string{"systemd-sysusers"}, userOK: true},
		getent, wasEnabled, enable)
	f("no init-system-helpers, upgrade", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}, running: true, missing: []string{"deb-systemd-helper", "deb-systemd-invoke"}},
		sysusers, reload, "systemctl try-restart cwagentd.service")
	f("no init-system-helpers, first install", scriptRun{script: "deb/postinst", args: []string{"configure"}, missing: []string{"deb-systemd-helper", "deb-systemd-invoke"}},
		sysusers, "systemctl enable cwagentd.service")
	f("systemd failures are not fatal", scriptRun{script: "deb/postinst", args: []string{"configure", "1.0.0"}, running: true, failing: []string{"systemctl", "deb-systemd-helper", "deb-systemd-invoke"}},
		sysusers, wasEnabled, "deb-systemd-helper update-state cwagentd.service", reload, "deb-systemd-invoke try-restart cwagentd.service")
	// The service cannot run without its user: that failure is fatal.
	f("user creation fails", scriptRun{script: "deb/postinst", args: []string{"configure"}, running: true, failing: []string{"systemd-sysusers"}, fails: true},
		sysusers)

	// prerm remove | upgrade new-version
	f("remove stops and disables", scriptRun{script: "deb/prerm", args: []string{"remove"}, running: true},
		"deb-systemd-invoke stop cwagentd.service", "deb-systemd-helper purge cwagentd.service")
	f("remove without systemd running", scriptRun{script: "deb/prerm", args: []string{"remove"}},
		"deb-systemd-helper purge cwagentd.service")
	f("remove without init-system-helpers", scriptRun{script: "deb/prerm", args: []string{"remove"}, running: true, missing: []string{"deb-systemd-helper", "deb-systemd-invoke"}},
		"systemctl stop cwagentd.service", "systemctl disable cwagentd.service")
	f("remove, failures are not fatal", scriptRun{script: "deb/prerm", args: []string{"remove"}, running: true, failing: []string{"deb-systemd-invoke", "deb-systemd-helper"}},
		"deb-systemd-invoke stop cwagentd.service", "deb-systemd-helper purge cwagentd.service")
	f("upgrade does not stop", scriptRun{script: "deb/prerm", args: []string{"upgrade", "1.1.0"}, running: true})

	// postrm remove | purge | upgrade
	f("postrm remove", scriptRun{script: "deb/postrm", args: []string{"remove"}, running: true},
		reload)
	f("postrm purge", scriptRun{script: "deb/postrm", args: []string{"purge"}, running: true},
		"deb-systemd-helper purge cwagentd.service", reload)
	f("postrm purge without systemd running", scriptRun{script: "deb/postrm", args: []string{"purge"}},
		"deb-systemd-helper purge cwagentd.service")
	f("postrm upgrade", scriptRun{script: "deb/postrm", args: []string{"upgrade", "1.1.0"}, running: true})
}

func TestRPMScripts(t *testing.T) {
	f := func(name string, r scriptRun, want ...string) {
		t.Helper()
		t.Run(name, func(t *testing.T) {
			require.Equal(t, want, r.run(t))
		})
	}
	f("first install", scriptRun{script: "rpm/post", args: []string{"1"}, running: true},
		sysusers, "systemctl enable cwagentd.service", "systemctl daemon-reload")
	f("upgrade restarts if running", scriptRun{script: "rpm/post", args: []string{"2"}, running: true},
		sysusers, "systemctl daemon-reload", "systemctl try-restart cwagentd.service")
	f("first install without systemd running", scriptRun{script: "rpm/post", args: []string{"1"}},
		sysusers, "systemctl enable cwagentd.service")
	f("no systemd-sysusers: useradd", scriptRun{script: "rpm/post", args: []string{"2"}, missing: []string{"systemd-sysusers"}},
		getent, useradd)
	f("systemd failures are not fatal", scriptRun{script: "rpm/post", args: []string{"2"}, running: true, failing: []string{"systemctl"}},
		sysusers, "systemctl daemon-reload", "systemctl try-restart cwagentd.service")
	f("user creation fails", scriptRun{script: "rpm/post", args: []string{"1"}, running: true, failing: []string{"systemd-sysusers"}, fails: true},
		sysusers)
	f("erase stops and disables", scriptRun{script: "rpm/preun", args: []string{"0"}, running: true},
		"systemctl stop cwagentd.service", "systemctl disable cwagentd.service")
	f("erase without systemd running", scriptRun{script: "rpm/preun", args: []string{"0"}},
		"systemctl disable cwagentd.service")
	f("upgrade does not stop", scriptRun{script: "rpm/preun", args: []string{"1"}, running: true})
	f("postun erase", scriptRun{script: "rpm/postun", args: []string{"0"}, running: true}, "systemctl daemon-reload")
	f("postun upgrade", scriptRun{script: "rpm/postun", args: []string{"1"}, running: true})
}
