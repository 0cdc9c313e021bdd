package packaging_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/config"
)

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
