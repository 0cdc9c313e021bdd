package metadata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLookup_UnknownNameAsksNothing(t *testing.T) {
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: unreachable(t), envECS: unreachable(t)})}
	got, err := s.Lookup(context.Background(), []string{"InstanceId", "Hostname"})
	assert.Nil(t, got)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"Hostname" is not a metadata dimension`)
	assert.Contains(t, err.Error(), "valid names, case-sensitive: InstanceId,")
}

// One endpoint failing costs only its names: the others come back with an
// error that names the endpoint, the status and the names lost.
func TestLookup_PartialFailure(t *testing.T) {
	imds := newFakeIMDS(t)
	tmde := newFakeTMDE(t)
	tmde.set(func(f *fakeTMDE) { f.status[tmdePath+"/task"] = http.StatusInternalServerError })
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL, envECS: tmde.uri()})}

	got, err := s.Lookup(context.Background(), []string{"ContainerName", "ClusterName", "InstanceId", "TaskARN"})
	assert.Equal(t, []Dimension{{"ContainerName", "cwagentd"}, {"InstanceId", "i-0123456789abcdef0"}}, got)
	assert.EqualError(t, err, "metadata lookup: ClusterName, TaskARN: ECS task metadata: GET "+tmde.uri()+`/task: status 500 Internal Server Error: "Unable to generate metadata"`)

	imds.set(func(f *fakeIMDS) { f.fail = 1 })
	got, err = s.Lookup(context.Background(), []string{"InstanceType", "ContainerName"})
	assert.Equal(t, []Dimension{{"ContainerName", "cwagentd"}}, got)
	assert.EqualError(t, err, "metadata lookup: InstanceType: EC2 instance metadata (IMDSv2): GET "+imds.URL+identityPath+`: status 500 Internal Server Error: "internal error"`)

	// Both down: every name is named, EC2 first.
	s = &Source{Env: env(map[string]string{envIMDSDisabled: "true", envECS: tmde.uri()})}
	got, err = s.Lookup(context.Background(), []string{"TaskFamily", "InstanceId"})
	assert.Empty(t, got)
	require.Error(t, err)
	assert.Regexp(t, `^metadata lookup: InstanceId: EC2 instance metadata is disabled .*; TaskFamily: ECS task metadata: GET .*/task: status 500`, err.Error())
}

func TestLookup_BadValuesAreErrors(t *testing.T) {
	for _, tc := range []struct{ name, family, err string }{
		{"empty", "", `TaskFamily: value "" from %s/task is not a valid CloudWatch dimension value: it is empty; remove TaskFamily from dimensions.metadata`},
		{"too long", strings.Repeat("f", 1025), `TaskFamily: value "` + strings.Repeat("f", 64) + `"... from %s/task is not a valid CloudWatch dimension value: it is 1025 bytes, over CloudWatch's limit of 1024`},
		{"control character", "check\tout", `TaskFamily: value "check\tout" from %s/task is not a valid CloudWatch dimension value: it has a control character (U+0009) at byte 5`},
		// Invalid UTF-8 cannot get through JSON (it decodes as U+FFFD); TestCheckValue has it.
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmde := newFakeTMDE(t)
			tmde.set(func(f *fakeTMDE) { f.task["Family"] = tc.family })
			s := &Source{Env: env(map[string]string{envECS: tmde.uri()})}
			got, err := s.Lookup(context.Background(), []string{"ClusterName", "TaskFamily"})
			assert.Equal(t, []Dimension{{"ClusterName", "prod"}}, got, "the good value still comes back")
			require.Error(t, err)
			assert.Contains(t, err.Error(), strings.ReplaceAll(tc.err, "%s", tmde.uri()))
		})
	}

	// A field missing from the answer is an empty value too.
	imds := newFakeIMDS(t)
	imds.set(func(f *fakeIMDS) { delete(f.doc, "availabilityZone") })
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL})}
	got, err := s.Lookup(context.Background(), []string{"AvailabilityZone", "InstanceId"})
	assert.Equal(t, []Dimension{{"InstanceId", "i-0123456789abcdef0"}}, got)
	assert.EqualError(t, err, `metadata lookup: AvailabilityZone: value "" from `+imds.URL+identityPath+` is not a valid CloudWatch dimension value: it is empty; remove AvailabilityZone from dimensions.metadata`)
}

func TestLookup_WrongAnswers(t *testing.T) {
	tmde := newFakeTMDE(t)
	s := &Source{Env: env(map[string]string{envECS: tmde.URL + "/v4/other"})}
	_, err := s.Lookup(context.Background(), []string{"ContainerName"})
	assert.EqualError(t, err, "metadata lookup: ContainerName: ECS container metadata: GET "+tmde.URL+`/v4/other: status 404 Not Found: "404 page not found"`)

	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("<html>captive portal</html>"))
	}))
	defer html.Close()
	s = &Source{Env: env(map[string]string{envECS: html.URL})}
	_, err = s.Lookup(context.Background(), []string{"ContainerName"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ContainerName: ECS container metadata: GET "+html.URL+": the answer is not the expected JSON: invalid character '<'")
}

func TestLookup_CanceledContext(t *testing.T) {
	imds := newFakeIMDS(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL})}
	_, err := s.Lookup(ctx, []string{"InstanceId"})
	assert.ErrorIs(t, err, context.Canceled)
}
