package packaging_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/stretchr/testify/require"
)

// packageVersion runs "build.sh version" with VERSION set to raw.
func packageVersion(t *testing.T, raw string) string {
	t.Helper()
	cmd := exec.Command("sh", "build.sh", "version")
	cmd.Env = append(os.Environ(), "VERSION="+raw)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return strings.TrimSpace(string(out))
}

func TestPackageVersion(t *testing.T) {
	f := func(raw, want string) {
		t.Helper()
		require.Equal(t, want, packageVersion(t, raw), "VERSION=%s", raw)
	}
	f("v1.2.3", "1.2.3")
	f("1.2.3", "1.2.3")
	f("v1.2.3-dirty", "1.2.3+0.dirty")
	f("v1.2.3-4-gabc1234", "1.2.3+4.gabc1234")
	f("v1.2.3-4-gabc1234-dirty", "1.2.3+4.gabc1234.dirty")
	f("v1.3.0-rc1", "1.3.0~rc1")
	f("v1.3.0-rc1-2-gdeadbee", "1.3.0~rc1+2.gdeadbee")
	// No tag yet: "git describe --always" gives the commit, even one that
	// starts with a digit.
	f("b80e83e", "0.0.0+gb80e83e")
	f("1234abc-dirty", "0.0.0+g1234abc.dirty")
}

// TestPackageVersionOrder checks that dpkg (and rpm, when installed) order
// the versions as releases happen: a pre-release, the tag, commits after it,
// the next tag.
func TestPackageVersionOrder(t *testing.T) {
	dpkg := testenv.Tool(t, "dpkg", "dpkg")
	rpm, _ := exec.LookPath("rpm") // optional: CI does not install it
	order := []string{"b80e83e", "v1.3.0-rc1", "v1.3.0-rc1-2-gdeadbee", "v1.3.0", "v1.3.0-dirty",
		"v1.3.0-2-gabc1234", "v1.3.0-2-gabc1234-dirty", "v1.3.0-10-gabc1234", "v1.3.1"}
	for i := 1; i < len(order); i++ {
		a, b := packageVersion(t, order[i-1]), packageVersion(t, order[i])
		err := exec.Command(dpkg, "--compare-versions", a, "lt", b).Run()
		require.NoError(t, err, "dpkg must order %s (from %s) before %s (from %s)", a, order[i-1], b, order[i])
		if rpm != "" {
			out, err := exec.Command(rpm, "--eval", fmt.Sprintf("%%{lua:print(rpm.vercmp('%s','%s'))}", a, b)).Output()
			require.NoError(t, err)
			require.Equal(t, "-1", strings.TrimSpace(string(out)), "rpm must order %s before %s", a, b)
		}
	}
}
