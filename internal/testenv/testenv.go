// Package testenv owns what tests need of the machine they run on: a tool
// from a Debian package, or root. Missing, a test is skipped on a developer's
// machine and fails under CI (env CI set), which .ci/run provisions.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Tool returns the path of command name, from Debian package pkg.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name+" is missing (Debian package "+pkg+")")
	}
	return p
}

// Root requires root, for what: mount namespaces, bind mounts.
func Root(t testing.TB, what string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Missing(t, "needs root for "+what)
	}
}

// Missing skips t, or fails it under CI, saying why.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s, and CI is set: .ci/run provisions it", why)
	}
	t.Skip(why)
}
