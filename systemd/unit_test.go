package systemd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/packaging"
)

func TestScript(t *testing.T) {
	// {{Path}} must be the template's only action: anything else in Unit
	// that kardianos' engine would expand breaks "Render equals the
	// kardianos render", which the install test checks end to end.
	s := script()
	assert.Equal(t, 1, strings.Count(s, "{{"))
	assert.Contains(t, s, "\nExecStart={{Path}} run --config "+packaging.ConfigPath+"\n")
	assert.Equal(t, 1, strings.Count(unit, "\n"+execStart), "one ExecStart= with the packaged binary")
}

func TestRender_Success(t *testing.T) {
	f := func(bin string) {
		t.Helper()
		got, err := render(bin)
		require.NoError(t, err)
		assert.Contains(t, got, "\nExecStart="+bin+" run --config ")
		assert.Equal(t, unit, strings.Replace(got, "ExecStart="+bin+" ", execStart, 1))
	}
	f("/usr/bin/cwagentd")
	f("/usr/local/bin/cwagentd")
	f("/opt/cwagentd-1.2.0/bin/cwagentd_linux+amd64")
	got, err := render(packagedBinary)
	require.NoError(t, err)
	assert.Equal(t, unit, got, "the packaged binary renders the packaged unit")
}

func TestRender_Failure(t *testing.T) {
	f := func(bin, wantErr string) {
		t.Helper()
		_, err := render(bin)
		require.Error(t, err, bin)
		assert.Contains(t, err.Error(), wantErr, bin)
		assert.Contains(t, err.Error(), "/usr/local/bin/cwagentd", "the error names the fix")
	}
	f("cwagentd", "must be absolute")
	f("./bin/cwagentd", "must be absolute")
	f("/usr/bin/../bin/cwagentd", "must be absolute and clean")
	f("/usr/bin/", "must be absolute and clean")
	f("/opt/my tools/cwagentd", `has ' '`)
	f("/opt/100%/cwagentd", `has '%'`)
	f("/opt/$HOME/cwagentd", `has '$'`)
	f(`/opt/a\x20b/cwagentd`, `has '\\'`)
	f(`/opt/"q"/cwagentd`, `has '"'`)
	f("/opt/a;b/cwagentd", `has ';'`)
	f("/opt/tab\t/cwagentd", `has '\t'`)
	f("/opt/é/cwagentd", `has 'é'`)
}

func TestCheckReachable(t *testing.T) {
	f := func(bin, wantErr string) {
		t.Helper()
		err := checkReachable(bin)
		if wantErr == "" {
			assert.NoError(t, err, bin)
			return
		}
		require.Error(t, err, bin)
		assert.Contains(t, err.Error(), wantErr, bin)
		assert.Contains(t, err.Error(), "/usr/local/bin/cwagentd", "the error names the fix")
	}
	f("/usr/bin/cwagentd", "")
	f("/usr/local/bin/cwagentd", "")
	f("/opt/cwagentd/cwagentd", "")
	f("/homestead/cwagentd", "")
	f("/home/me/go/bin/cwagentd", "ProtectHome=yes")
	f("/root/cwagentd", "ProtectHome=yes")
	f("/run/user/1000/cwagentd", "ProtectHome=yes")
	f("/tmp/go-build1/cwagentd", "PrivateTmp=yes")
	f("/var/tmp/cwagentd", "PrivateTmp=yes")
}

func TestStateOf(t *testing.T) {
	for show, want := range map[string]string{
		"": "not installed",
		"LoadState=not-found\nActiveState=inactive":  "not installed",
		"LoadState=loaded\nActiveState=active\n":     "running",
		"ActiveState=reloading\nLoadState=loaded":    "running",
		"LoadState=loaded\nActiveState=activating":   "starting",
		"LoadState=loaded\nActiveState=deactivating": "stopping",
		"LoadState=loaded\nActiveState=failed":       "failed",
		"LoadState=loaded\nActiveState=inactive":     "stopped",
	} {
		assert.Equal(t, want, stateOf(show), "%q", show)
	}
}
