package e2e

import (
	"fmt"
	"net"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/internal/testenv"
	"github.com/cwagentd/cwagentd/test/fakecw"
)

// nodeClients is the npm project of the hot-shots sender (npm ci there).
const nodeClients = "../clients/node"

// TestE2E_HotShotsClient sends the client scenario, a DogStatsD event and a
// service check through Node's hot-shots (test/clients/node/send.js), over
// UDP (DD_AGENT_HOST, DD_DOGSTATSD_PORT) and over the Unix datagram socket
// (DD_DOGSTATSD_URL=unix://...), each read by hot-shots itself.
func TestE2E_HotShotsClient(t *testing.T) {
	node := testenv.Tool(t, "node", "nodejs")
	if !nodeRequires(node, "hot-shots") {
		testenv.Missing(t, "hot-shots is not installed: run npm ci in test/clients/node")
	}
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(10 * time.Second)
	a := startAgent(t, awsEnv(cw))

	host, port, err := net.SplitHostPort(a.UDP)
	require.NoError(t, err)
	sent := map[string]bool{}
	for _, tr := range []struct {
		name string
		env  []string
	}{
		{"udp", []string{"STATSD_PREFIX=node.udp", "DD_AGENT_HOST=" + host, "DD_DOGSTATSD_PORT=" + port}},
		{"unixgram", []string{"STATSD_PREFIX=node.uds", "DD_DOGSTATSD_URL=unix://" + a.Socket}},
	} {
		t.Run(tr.name, func(t *testing.T) {
			// hot-shots' optional dependency, a native module built by npm ci.
			if tr.name == "unixgram" && !nodeRequires(node, "unix-dgram") {
				testenv.Missing(t, "unix-dgram (hot-shots' Unix socket transport) did not build at npm ci in test/clients/node")
			}
			runSender(t, tr.env, node, nodeClients+"/send.js")
			sent[tr.name] = true
		})
	}
	a.stop()

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	for name, prefix := range map[string]string{"udp": "node.udp.", "unixgram": "node.uds."} {
		if sent[name] {
			assertScenario(t, got, prefix, "{env=prod,svc=checkout}")
			// The event and the service check are lines too, skipped without a drop.
			assert.Equal(t, scenarioLines+2, a.summary("lines_"+name), name)
		}
	}
	assert.Len(t, got, 6*len(sent))
	assert.Zero(t, a.summary("lines_dropped"))
}

// nodeRequires says whether node finds module from test/clients/node.
func nodeRequires(node, module string) bool {
	cmd := exec.Command(node, "-e", fmt.Sprintf("require(%q)", module))
	cmd.Dir = nodeClients
	return cmd.Run() == nil
}
