package spool

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpen_LockRefusesASecondAgent(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir, &clock{t0})
	_, err := Open(Options{Dir: dir})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "directory "+dir+" is in use by another agent")
	assert.Contains(t, err.Error(), fmt.Sprintf("(pid %d, ", os.Getpid()))
	assert.Contains(t, err.Error(), "give each agent its own spool directory")

	require.NoError(t, s.Close())
	s, err = Open(Options{Dir: dir})
	require.NoError(t, err, "Close released the lock")
	require.NoError(t, s.Close())
}

func TestOpen_CreatesTheDirectory(t *testing.T) {
	dir := t.TempDir() + "/a/spool"
	s := openT(t, dir, &clock{t0})
	defer s.Close()
	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), st.Mode().Perm())
}
