package packaging_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	cmd  string // upper case: FROM, RUN, ...
	args string
}

// parseDockerfile reads the instructions of a Dockerfile: comments and blank
// lines dropped, backslash continuations joined.
func parseDockerfile(t *testing.T, path string) []instruction {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []instruction
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || (trimmed == "" && cur.Len() == 0) {
			continue
		}
		if body, cont := strings.CutSuffix(trimmed, "\\"); cont {
			cur.WriteString(body + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	require.Zero(t, cur.Len(), "the Dockerfile ends in a continuation")
	return out
}

// stage is the instructions of one build stage; stage 0 is what precedes
// the first FROM (global ARGs).
func stages(ins []instruction) [][]instruction {
	s := [][]instruction{nil}
	for _, in := range ins {
		if in.cmd == "FROM" {
			s = append(s, nil)
		}
		s[len(s)-1] = append(s[len(s)-1], in)
	}
	return s
}

func find(ins []instruction, cmd string) []string {
	var args []string
	for _, in := range ins {
		if in.cmd == cmd {
			args = append(args, in.args)
		}
	}
	return args
}

// execForm decodes a JSON-array (exec form) argument.
func execForm(t *testing.T, args string) []string {
	t.Helper()
	var v []string
	require.NoError(t, json.Unmarshal([]byte(args), &v), "not exec form (a JSON array): %s", args)
	return v
}

func TestDockerfile(t *testing.T) {
	st := stages(parseDockerfile(t, "Dockerfile"))
	require.Len(t, st, 3, "global ARGs, the build stage, the final stage")
	global, build, final := st[0], st[1], st[2]

	// Base images: pinned by tag or digest, resolved from the global ARGs.
	args := map[string]string{}
	for _, a := range find(global, "ARG") {
		k, v, ok := strings.Cut(a, "=")
		require.True(t, ok, "global ARG %q needs a default", a)
		args[k] = v
	}
	pinned := regexp.MustCompile(`^[a-z0-9./-]+(:[A-Za-z0-9._-]+)?(@sha256:[0-9a-f]{64})?$`)
	image := func(from string) string {
		f := strings.Fields(from)
		ref := f[0]
		if strings.HasPrefix(ref, "--platform=") {
			ref = f[1]
		}
		if name, ok := strings.CutPrefix(ref, "${"); ok {
			ref = args[strings.TrimSuffix(name, "}")]
		}
		require.Regexp(t, pinned, ref)
		require.NotRegexp(t, `:latest\b|^[^:@]+$`, ref, "base images are pinned: a tag other than latest, or a digest")
		return ref
	}
	require.Regexp(t, `^golang:1\.26\.\d+`, image(build[0].args), "the builder is Go 1.26 (go.mod)")
	require.Contains(t, build[0].args, " AS build")
	require.Regexp(t, `^gcr\.io/distroless/static-debian\d+:nonroot`, image(final[0].args),
		"the final stage is distroless/static (CA certificates, no libc, no shell), nonroot")

	// The binary: static, -trimpath, version stamped.
	run := strings.Join(find(build, "RUN"), "\n")
	require.Contains(t, run, "CGO_ENABLED=0")
	require.Contains(t, run, "go build -trimpath")
	require.Contains(t, run, "-X main.version=${VERSION}")
	require.Contains(t, run, "./cmd/cwagentd")

	// The final stage.
	require.Equal(t, []string{"65532:65532"}, find(final, "USER"), "runs as distroless' nonroot uid, by number")
	require.Equal(t, []string{"8125/udp"}, find(final, "EXPOSE"))
	require.Equal(t, []string{`["/var/run/cwagentd"]`}, find(final, "VOLUME"))
	require.Contains(t, find(final, "COPY"), "--from=build /out/cwagentd /cwagentd")
	require.Contains(t, find(final, "COPY"), "--from=build --chown=65532:65532 /out/socket-dir /var/run/cwagentd",
		"the socket directory belongs to the agent's user")
	require.Equal(t, []string{"/cwagentd"}, execForm(t, find(final, "ENTRYPOINT")[0]))
	require.Equal(t, []string{"run"}, execForm(t, find(final, "CMD")[0]))
	require.Equal(t, []string{"SIGTERM"}, find(final, "STOPSIGNAL"))

	hc := find(final, "HEALTHCHECK")
	require.Len(t, hc, 1)
	opts, cmd, ok := strings.Cut(hc[0], " CMD ")
	require.True(t, ok, "HEALTHCHECK ... CMD [...]: %s", hc[0])
	require.Equal(t, []string{"/cwagentd", "health"}, execForm(t, cmd), "exec form: the image has no shell")
	require.Contains(t, opts, "--interval=")

	cfg := agentConfig(t, strings.Fields(strings.Join(find(final, "ENV"), " ")))
	require.Equal(t, ":8125", cfg.Listen.UDP, "ECS bridge mode needs :8125 inside the container")
	require.Equal(t, "/var/run/cwagentd/statsd.sock", cfg.Listen.Unixgram, "the socket in the mountable directory")

	labels := strings.Join(find(final, "LABEL"), " ")
	for _, l := range []string{"title", "description", "source", "version", "revision"} {
		require.Contains(t, labels, "org.opencontainers.image."+l+"=")
	}
}
