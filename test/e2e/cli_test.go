package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cwagentd(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return o.String(), e.String(), code
}

func TestE2E_ConfigCheck(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cwagentd.yaml")
	require.NoError(t, os.WriteFile(file, []byte("cloudwatch:\n  namespace: FromFile\nflush:\n  jitter: 5s\n"), 0o644))

	out, _, code := cwagentd(t, []string{"CWAGENTD_AGGREGATION_PERIOD=10s"}, "config", "check", "--config", file, "--output=stdout")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "namespace: FromFile")
	assert.Contains(t, out, "period: 10s")
	assert.Contains(t, out, "output: stdout")

	_, errOut, code := cwagentd(t, []string{"CWAGENTD_AGGREGATION_PERIOD=45s", "CWAGENTD_LISTEN_UPD=x"},
		"config", "check", "--config", file, "--output=s3")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, `aggregation.period: "45s" (from env CWAGENTD_AGGREGATION_PERIOD) must divide 60s evenly`)
	assert.Contains(t, errOut, `output: "s3" (from flag --output) must be one of cloudwatch, stdout`)
	assert.Contains(t, errOut, "CWAGENTD_LISTEN_UPD; did you mean CWAGENTD_LISTEN_UDP?")

	_, errOut, code = cwagentd(t, nil, "run", "--cloudwatch.namespace=AWS/EC2")
	assert.Equal(t, 1, code, "run refuses a bad config at start")
	assert.Contains(t, errOut, "cloudwatch.namespace")

	_, errOut, code = cwagentd(t, []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null"},
		"run", "--listen.udp="+freeUDP(t), "--listen.unixgram=")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "no AWS Region: set AWS_REGION")

	out, _, code = cwagentd(t, nil, "version")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "cwagentd ")
}

// TestE2E_StdoutOutputNeedsNoAWS: the README's first run, as a user does it.
func TestE2E_StdoutOutputNeedsNoAWS(t *testing.T) {
	awayFromBoundary(5 * time.Second)
	a := startAgent(t, nil, "--output=stdout")
	a.send("udp", "hits:1|c|#env:dev\nhits:2|c|#env:dev")
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGINT)) // Ctrl-C
	<-a.exited
	require.NoError(t, a.exitErr)
	var req struct {
		Namespace  string
		MetricData []struct {
			MetricName      string
			StatisticValues struct{ SampleCount, Sum float64 }
			Dimensions      []struct{ Name, Value string }
		}
	}
	require.NoError(t, json.Unmarshal([]byte(a.stdout.String()), &req), a.stdout.String())
	assert.Equal(t, "StatsD", req.Namespace)
	require.Len(t, req.MetricData, 1)
	assert.Equal(t, "hits", req.MetricData[0].MetricName)
	assert.Equal(t, 3.0, req.MetricData[0].StatisticValues.Sum)
	assert.Equal(t, "env", req.MetricData[0].Dimensions[0].Name)
}
