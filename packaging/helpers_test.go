package packaging_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/config"
)

// requireTool returns the path of an external command a test needs. A
// missing one fails the test under CI (env CI set) and skips it elsewhere.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed; CI needs it (apt-get install dpkg): %v", name, err)
	}
	t.Skipf("%s is not installed: %v", name, err)
	return ""
}

// repoFile reads a file by its path from the repository root.
func repoFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(path)))
	require.NoError(t, err)
	return b
}

// agentConfig loads the agent's config as a container would: from env
// alone (NAME=value entries). A misspelt CWAGENTD_* name or a bad value
// fails here as it would fail the agent's start.
func agentConfig(t *testing.T, env []string) *config.Config {
	t.Helper()
	fs := pflag.NewFlagSet("cwagentd", pflag.ContinueOnError)
	config.Flags(fs)
	cfg, err := config.Load(fs, env)
	require.NoError(t, err, "the agent would refuse to start with env %q", env)
	return cfg
}
