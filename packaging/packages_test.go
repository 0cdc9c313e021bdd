package packaging_test

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/cwagentd/cwagentd/packaging"
)

// TestPackages builds the binary, the .deb and the .rpm with build.sh (the
// real nfpm) and inspects them with dpkg-deb (and rpm when installed).
func TestPackages(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and both packages; run without -short")
	}
	dpkgDeb := testenv.Tool(t, "dpkg-deb", "dpkg")

	const version = "1.2.3+4.gabc1234" // what build.sh makes of the tag below
	dist := t.TempDir()
	start := time.Now()
	cmd := exec.Command("sh", "build.sh")
	cmd.Env = append(os.Environ(), "VERSION=v1.2.3-4-gabc1234", "DIST="+dist, "GOARCH="+runtime.GOARCH)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "build.sh: %s", out)
	t.Logf("build.sh (binary, .deb, .rpm) took %s", time.Since(start).Round(100*time.Millisecond))

	deb := filepath.Join(dist, "cwagentd_"+version+"_"+runtime.GOARCH+".deb")
	rpm := filepath.Join(dist, "cwagentd_"+version+"_"+runtime.GOARCH+".rpm")
	dpkg := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(dpkgDeb, args...).CombinedOutput()
		require.NoError(t, err, "dpkg-deb %s: %s", strings.Join(args, " "), out)
		return string(out)
	}

	t.Run("control fields", func(t *testing.T) {
		fields := dpkg("--field", deb, "Package", "Version", "Architecture", "Homepage")
		require.Equal(t, "Package: cwagentd\nVersion: "+version+"\nArchitecture: "+runtime.GOARCH+
			"\nHomepage: https://github.com/cwagentd/cwagentd\n", fields)
		require.Contains(t, dpkg("--info", deb), "Description: StatsD to CloudWatch metrics agent")
	})

	t.Run("file list and modes", func(t *testing.T) {
		got := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(dpkg("--contents", deb)), "\n") {
			// -rw-r--r-- root/root      1234 2024-01-01 00:00 ./etc/cwagentd/cwagentd.yaml
			f := strings.Fields(line)
			require.Len(t, f, 6, "dpkg-deb -c line %q", line)
			if f[0][0] == '-' {
				got[strings.TrimPrefix(f[5], ".")] = f[0] + " " + f[1]
			}
		}
		require.Equal(t, map[string]string{
			"/usr/bin/cwagentd":                        "-rwxr-xr-x root/root",
			"/usr/lib/systemd/system/cwagentd.service": "-rw-r--r-- root/root",
			"/usr/lib/sysusers.d/cwagentd.conf":        "-rw-r--r-- root/root",
			"/etc/cwagentd/cwagentd.yaml":              "-rw-r--r-- root/root",
			"/etc/default/cwagentd":                    "-rw------- root/root",
		}, got)
	})

	ctrl := t.TempDir()
	dpkg("--control", deb, ctrl)
	root := t.TempDir()
	dpkg("--extract", deb, root)

	t.Run("conffiles", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(ctrl, "conffiles"))
		require.NoError(t, err)
		got := strings.Fields(string(b))
		sort.Strings(got)
		require.Equal(t, []string{"/etc/cwagentd/cwagentd.yaml", "/etc/default/cwagentd"}, got)
	})

	t.Run("installed files equal their sources", func(t *testing.T) {
		f := func(installed string, want []byte) {
			t.Helper()
			got, err := os.ReadFile(filepath.Join(root, installed))
			require.NoError(t, err)
			require.Equal(t, string(want), string(got), installed)
		}
		f("usr/lib/systemd/system/cwagentd.service", repoFile(t, "systemd/cwagentd.service"))
		f("etc/cwagentd/cwagentd.yaml", packaging.DefaultConfig)
		f("usr/lib/sysusers.d/cwagentd.conf", repoFile(t, "packaging/sysusers.conf"))
		f("etc/default/cwagentd", repoFile(t, "packaging/cwagentd.env"))
	})

	t.Run("maintainer scripts", func(t *testing.T) {
		for _, s := range []struct{ name, src string }{
			{"postinst", "deb/postinst"}, {"prerm", "deb/prerm"}, {"postrm", "deb/postrm"},
		} {
			path := filepath.Join(ctrl, s.name)
			fi, err := os.Stat(path)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o755), fi.Mode().Perm(), s.name)
			got, err := os.ReadFile(path)
			require.NoError(t, err)
			require.Equal(t, string(repoFile(t, "packaging/scripts/"+s.src)), string(got), s.name)
			out, err := exec.Command("sh", "-n", path).CombinedOutput()
			require.NoError(t, err, "sh -n %s: %s", s.name, out)
		}
		postinst := string(repoFile(t, "packaging/scripts/deb/postinst"))
		for _, want := range []string{"try-restart", "systemd-sysusers /usr/lib/sysusers.d/cwagentd.conf", "useradd --system", "/usr/sbin/nologin"} {
			require.Contains(t, postinst, want)
		}
		_, err := os.Stat(filepath.Join(ctrl, "preinst"))
		require.True(t, os.IsNotExist(err), "no preinst expected")
	})

	t.Run("binary", func(t *testing.T) {
		bin := filepath.Join(root, "usr/bin/cwagentd")
		f, err := elf.Open(bin)
		require.NoError(t, err)
		defer f.Close()
		for _, p := range f.Progs {
			require.NotEqual(t, elf.PT_INTERP, p.Type, "the binary must be static (CGO_ENABLED=0)")
		}
		require.Nil(t, f.Section(".symtab"), "the binary must be stripped (-s)")
		b, err := os.ReadFile(bin)
		require.NoError(t, err)
		abs, err := filepath.Abs("..")
		require.NoError(t, err)
		require.False(t, bytes.Contains(b, []byte(abs)), "the binary names the build directory %s: -trimpath missing", abs)

		out, err := exec.Command(bin, "version").CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.True(t, strings.HasPrefix(string(out), "cwagentd "+version+" "), "cwagentd version: %s", out)
	})

	t.Run("rpm", func(t *testing.T) {
		b, err := os.ReadFile(rpm)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(b, []byte{0xed, 0xab, 0xee, 0xdb}), "not an rpm (lead magic)")
		// The header, which holds the scriptlets, is not compressed.
		for _, s := range []string{"rpm/post", "rpm/preun", "rpm/postun"} {
			require.True(t, bytes.Contains(b, repoFile(t, "packaging/scripts/"+s)), "the rpm lacks %s", s)
		}
		rpmTool, err := exec.LookPath("rpm")
		if err != nil {
			t.Log("rpm is not installed: only the lead and the scriptlets were checked")
			return
		}
		q := func(args ...string) string {
			out, err := exec.Command(rpmTool, append([]string{"-qp"}, append(args, rpm)...)...).CombinedOutput()
			require.NoError(t, err, "rpm -qp %s: %s", strings.Join(args, " "), out)
			return string(out)
		}
		require.Equal(t, "/etc/cwagentd\n/etc/cwagentd/cwagentd.yaml\n/etc/sysconfig/cwagentd\n/usr/bin/cwagentd\n"+
			"/usr/lib/systemd/system/cwagentd.service\n/usr/lib/sysusers.d/cwagentd.conf\n", q("--list"))
		require.Equal(t, "/etc/cwagentd/cwagentd.yaml\n/etc/sysconfig/cwagentd\n", q("--configfiles"))
		require.Equal(t, version+" 1", q("--queryformat", "%{VERSION} %{RELEASE}"))
		require.Contains(t, q("--scripts"), "systemctl try-restart")
	})
}
