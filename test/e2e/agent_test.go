package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// binary is the agent built once for the whole package.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cwagentd-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cwagentd")
	build := exec.Command("go", "build", "-race", "-o", binary, "github.com/cwagentd/cwagentd/cmd/cwagentd")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building cwagentd:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// agent is one running cwagentd process.
type agent struct {
	t       *testing.T
	cmd     *exec.Cmd
	UDP     string // host:port
	Socket  string // unixgram path
	Admin   string // admin server host:port, from the ready line
	stdout  *lockedBuffer
	stderr  *lockedBuffer
	exited  chan struct{}
	exitErr error
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// freeUDP returns a loopback UDP address nobody listens on now.
func freeUDP(t *testing.T) string {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	require.NoError(t, err)
	defer c.Close()
	return c.LocalAddr().String()
}

// awsEnv points the SDK at the fake with static credentials, and keeps it
// away from any real endpoint or instance metadata.
func awsEnv(cw *fakecw.Server) []string {
	return []string{
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDE2E", "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_ENDPOINT_URL_CLOUDWATCH=" + cw.URL(), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
}

// startAgent runs `cwagentd run` with the given extra env and flags and
// waits until it reports ready. Its env has no CWAGENTD_* but what is given.
func startAgent(t *testing.T, env []string, args ...string) *agent {
	t.Helper()
	return startAgentBinary(t, binary, env, args...)
}

// startAgentBinary is startAgent with another build of the agent.
func startAgentBinary(t *testing.T, bin string, env []string, args ...string) *agent {
	t.Helper()
	a := &agent{t: t, UDP: freeUDP(t), Socket: filepath.Join(t.TempDir(), "statsd.sock"),
		stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	base := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
		"CWAGENTD_LISTEN_UDP=" + a.UDP, "CWAGENTD_LISTEN_UNIXGRAM=" + a.Socket, "CWAGENTD_LOG_LEVEL=debug",
		"CWAGENTD_ADMIN_LISTEN=127.0.0.1:0"} // tests run side by side: never the fixed default port
	a.cmd = exec.Command(bin, append([]string{"run"}, args...)...)
	a.cmd.Env = append(base, env...)
	a.cmd.Stdout = a.stdout
	pr, pw := io.Pipe()
	a.cmd.Stderr = pw
	require.NoError(t, a.cmd.Start())
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pr)
		once := sync.Once{}
		for sc.Scan() {
			a.stderr.Write(append(sc.Bytes(), '\n'))
			if strings.Contains(sc.Text(), "cwagentd ready") {
				once.Do(func() {
					if m := adminAttr.FindStringSubmatch(sc.Text()); m != nil {
						a.Admin = m[1]
					}
					close(ready)
				})
			}
		}
	}()
	go func() {
		a.exitErr = a.cmd.Wait()
		pw.Close()
		close(a.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-a.exited:
		default:
			a.cmd.Process.Kill()
			<-a.exited
		}
		if t.Failed() {
			t.Logf("agent stderr:\n%s", a.stderr.String())
		}
	})
	select {
	case <-ready:
	case <-a.exited:
		t.Fatalf("agent exited before ready: %v\n%s", a.exitErr, a.stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("agent not ready after 20s:\n%s", a.stderr.String())
	}
	return a
}

var adminAttr = regexp.MustCompile(`\badmin=(\S+)`)

// stop sends SIGTERM and requires a clean exit within the shutdown budget.
func (a *agent) stop() {
	a.t.Helper()
	require.NoError(a.t, a.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		a.t.Fatalf("agent did not exit within 30s of SIGTERM:\n%s", a.stderr.String())
	}
	require.NoError(a.t, a.exitErr, "exit status after SIGTERM; stderr:\n%s", a.stderr.String())
}

// send writes each payload as one datagram to the transport ("udp" or "unixgram").
func (a *agent) send(transport string, payloads ...string) {
	a.t.Helper()
	addr := a.UDP
	if transport == "unixgram" {
		addr = a.Socket
	}
	c, err := net.Dial(transport, addr)
	require.NoError(a.t, err)
	defer c.Close()
	for _, p := range payloads {
		_, err := c.Write([]byte(p))
		require.NoError(a.t, err)
	}
}

// awayFromBoundary waits, if needed, so that the next few seconds do not
// cross a wall-clock minute: assertions on one 60s period stay exact.
func awayFromBoundary(within time.Duration) {
	now := time.Now()
	if next := now.Truncate(time.Minute).Add(time.Minute); next.Sub(now) < within {
		time.Sleep(next.Sub(now) + 100*time.Millisecond)
	}
}

// series indexes datums by "name{k=v,...}" in the order received.
func series(ds []fakecw.Datum) map[string][]fakecw.Datum {
	out := map[string][]fakecw.Datum{}
	for _, d := range ds {
		var dims []string
		for _, dm := range d.Dimensions {
			dims = append(dims, dm.Name+"="+dm.Value)
		}
		k := d.MetricName + "{" + strings.Join(dims, ",") + "}"
		out[k] = append(out[k], d)
	}
	return out
}

func waitCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
