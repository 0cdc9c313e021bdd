package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/cwagentd/cwagentd/test/fakecw"
)

// CloudWatch is down (500) while traffic flows; the agent is killed
// (SIGKILL) or stopped (SIGTERM, its deadline passing with everything
// undelivered), started again on the same spool, and CloudWatch comes back:
// every count arrives with its exact sum, and no request is delivered twice
// (CloudWatch accepted nothing before the stop, so nothing was in flight to
// be duplicated).
func TestE2E_SpoolSurvivesAnOutageAndARestart(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGKILL, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			cw := fakecw.New()
			defer cw.Close()
			outage := fakecw.InternalError()
			cw.SetResponder(func(*fakecw.Request) *fakecw.Fault { return &outage })
			dir := filepath.Join(t.TempDir(), "spool")
			args := []string{"--flush.spool_dir=" + dir, "--aggregation.period=1s", "--flush.jitter=0s",
				"--shutdown_timeout=2s", "--flush.max_pending_bytes=1MiB"}
			env := awsEnv(cw)

			a := startAgent(t, env, args...)
			want := map[string]float64{}
			for i := range 30 { // 3 s of traffic, 30 series, 3 periods or more
				var lines string
				for s := range 30 {
					lines += fmt.Sprintf("jobs.%02d:%d|c|#shard:%d\n", s, i+1, s%3)
					want[fmt.Sprintf("jobs.%02d{shard=%d}", s, s%3)] += float64(i + 1)
				}
				a.send("udp", lines)
				time.Sleep(100 * time.Millisecond)
			}
			time.Sleep(1500 * time.Millisecond) // the last period closes and is written ahead
			eventually(t, "every period written ahead", func() bool {
				return metricValue(t, a.Admin, "cwagentd_spool_written_datums_total") >= float64(len(want))
			})
			require.Zero(t, len(cw.Accepted()), "CloudWatch was down")
			require.NoError(t, a.cmd.Process.Signal(sig))
			<-a.exited
			if sig == syscall.SIGTERM {
				require.NoError(t, a.exitErr)
				assert.Contains(t, a.stderr.String(), "they stay in the spool and are sent after the next start")
				assert.Regexp(t, `datums_dropped=0 .*datums_kept_in_spool=[1-9]`, a.stderr.String(),
					"nothing counted as dropped; the rest kept for the next start")
			}

			b := startAgent(t, env, args...)
			eventually(t, "the replay is logged", func() bool {
				return strings.Contains(b.stderr.String(), "replaying undelivered data from the spool")
			})
			time.Sleep(time.Second) // still down for a while after the restart
			cw.SetResponder(nil)
			eventually(t, "every count delivered", func() bool { return len(sums(cw.Datums())) == len(want) })
			eventually(t, "exact sums", func() bool { return assert.ObjectsAreEqual(want, sums(cw.Datums())) })
			b.stop()
			assert.Equal(t, want, sums(cw.Datums()))
			dups := duplicates(cw.Datums())
			t.Logf("%s: %d requests accepted, duplicated datums: %d %v", sig, len(cw.Accepted()), len(dups), dups)
			assert.Empty(t, dups)
			assert.Empty(t, cw.Violations())
		})
	}
}

// A spool directory that cannot be created is reported at start, and the
// agent runs on, delivering from memory.
func TestE2E_UnwritableSpoolKeepsRunningInMemory(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	a := startAgent(t, awsEnv(cw), "--flush.spool_dir=/proc/cwagentd-spool", "--aggregation.period=1s", "--flush.jitter=0s")
	assert.Contains(t, a.stderr.String(), `msg="the spool is unavailable: undelivered data is kept in memory only until it is fixed and the agent restarted" flush.spool_dir=/proc/cwagentd-spool`)
	a.send("udp", "still.works:3|c")
	eventually(t, "delivered without a spool", func() bool { return sums(cw.Datums())["still.works{}"] == 3 })
	a.stop()
}

// A spool on a full disk (a 128 KiB tmpfs, in a mount namespace of the
// agent's own) is reported, and the data stays in memory: nothing is lost
// once CloudWatch answers.
func TestE2E_FullDiskSpoolKeepsDataInMemory(t *testing.T) {
	testenv.Root(t, "a tmpfs in a mount namespace")
	unshare := testenv.Tool(t, "unshare", "util-linux")
	dir := filepath.Join(t.TempDir(), "spool")
	require.NoError(t, os.Mkdir(dir, 0o700))
	wrapper := filepath.Join(t.TempDir(), "cwagentd-on-a-full-disk")
	require.NoError(t, os.WriteFile(wrapper, []byte("#!/bin/sh\nexec "+unshare+
		" --mount --propagation private /bin/sh -c 'mount -t tmpfs -o size=128k tmpfs \""+dir+"\" && exec \"$0\" \"$@\"' "+
		binary+" \"$@\"\n"), 0o755))

	cw := fakecw.New()
	defer cw.Close()
	outage := fakecw.InternalError()
	cw.SetResponder(func(*fakecw.Request) *fakecw.Fault { return &outage })
	a := startAgentBinary(t, wrapper, awsEnv(cw), "--flush.spool_dir="+dir, "--aggregation.period=1s", "--flush.jitter=0s")
	want := map[string]float64{}
	for i := range 4 {
		var lines []string
		for s := range 1500 { // ~100 KB of spool records per period: the disk fills in the second
			lines = append(lines, fmt.Sprintf("disk.full.%04d:%d|c", s, i+1))
			want[fmt.Sprintf("disk.full.%04d{}", s)] += float64(i + 1)
		}
		for len(lines) > 0 {
			n := min(40, len(lines))
			a.send("udp", strings.Join(lines[:n], "\n"))
			lines = lines[n:]
		}
		time.Sleep(time.Second)
	}
	eventually(t, "a failed write is counted", func() bool {
		return metricValue(t, a.Admin, `cwagentd_spool_errors_total{reason="write_failed"}`) > 0
	})
	assert.Contains(t, a.stderr.String(), "no space left on device")
	cw.SetResponder(nil)
	eventually(t, "every count delivered from memory or disk", func() bool {
		return assert.ObjectsAreEqual(want, sums(cw.Datums()))
	})
	a.stop()
	assert.Empty(t, duplicates(cw.Datums()))
}
