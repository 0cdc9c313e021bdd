package packaging_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
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
