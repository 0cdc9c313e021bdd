package systemd

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxExposure is the highest "systemd-analyze security" score the unit may
// have (issue: 2.0 or lower; 0 is best, 10 is unsandboxed).
const maxExposure = 2.0

func TestSystemdAnalyzeVerify(t *testing.T) {
	analyze := testenv.Tool(t, "systemd-analyze", "systemd")
	// verify wants ExecStart= to be executable: render for a stand-in binary.
	dir := t.TempDir()
	bin := filepath.Join(dir, "cwagentd")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	unit, err := render(bin)
	require.NoError(t, err)
	path := filepath.Join(dir, Name+".service")
	require.NoError(t, os.WriteFile(path, []byte(unit), 0o644))

	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	// verify exits 0 on a bad setting ("Failed to parse ..., ignoring"): any
	// output at all is a finding.
	assert.Empty(t, string(out))
}

var exposureRE = regexp.MustCompile(`Overall exposure level for \S+: (\d+\.\d+)`)

func TestSystemdAnalyzeSecurity(t *testing.T) {
	analyze := testenv.Tool(t, "systemd-analyze", "systemd")
	out, err := exec.Command(analyze, "security", "--offline=yes", "cwagentd.service").CombinedOutput()
	require.NoError(t, err, "%s", out)
	m := exposureRE.FindSubmatch(out)
	require.NotNil(t, m, "no overall exposure level in:\n%s", out)
	score, err := strconv.ParseFloat(string(m[1]), 64)
	require.NoError(t, err)
	t.Logf("systemd-analyze security --offline=yes: exposure %.1f", score)
	assert.LessOrEqual(t, score, maxExposure, "%s", out)
}
