package metadata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var ec2Names = []string{"InstanceId", "InstanceType", "ImageId", "AvailabilityZone"}

func TestLookup_EC2(t *testing.T) {
	imds := newFakeIMDS(t)
	for _, tc := range []struct {
		names []string
		want  []Dimension
	}{
		{ec2Names, []Dimension{
			{"InstanceId", "i-0123456789abcdef0"}, {"InstanceType", "m7g.large"},
			{"ImageId", "ami-0abcdef1234567890"}, {"AvailabilityZone", "us-east-1a"},
		}},
		{[]string{"AvailabilityZone", "InstanceId"}, []Dimension{{"AvailabilityZone", "us-east-1a"}, {"InstanceId", "i-0123456789abcdef0"}}},
		{nil, []Dimension{}},
	} {
		s := &Source{Env: env(map[string]string{
			envIMDSEndpoint: imds.URL,
			envECS:          unreachable(t), // no ECS name: never asked
		})}
		got, err := s.Lookup(context.Background(), tc.names)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
	puts, gets, refused := imds.counts()
	assert.Equal(t, []int{2, 2, 0}, []int{puts, gets, refused}, "one token and one identity GET per lookup that needs EC2")
}

func TestLookup_IMDSRequiresTheToken(t *testing.T) {
	imds := newFakeIMDS(t)
	for _, header := range []http.Header{nil, {headerToken: {"forged"}}} {
		req, err := http.NewRequest(http.MethodGet, imds.URL+identityPath, nil)
		require.NoError(t, err)
		req.Header = header
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the fake refuses IMDSv1-style GETs")
	}
}

func TestLookup_TokenCachedRenewedAndRetriedOn401(t *testing.T) {
	imds := newFakeIMDS(t)
	now := time.Unix(1_700_000_000, 0)
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL}), now: func() time.Time { return now }}
	lookup := func(wantPuts, wantGets, wantRefused int) {
		t.Helper()
		got, err := s.Lookup(context.Background(), []string{"InstanceId"})
		require.NoError(t, err)
		assert.Equal(t, []Dimension{{"InstanceId", "i-0123456789abcdef0"}}, got)
		puts, gets, refused := imds.counts()
		assert.Equal(t, []int{wantPuts, wantGets, wantRefused}, []int{puts, gets, refused}, "puts, gets, refused")
	}
	lookup(1, 1, 0)
	now = now.Add(10 * time.Minute)
	lookup(1, 2, 0) // the cached token

	imds.expireTokens() // IMDS forgot it (restart, or our clock is wrong): 401, a new token, one retry
	lookup(2, 3, 1)

	now = now.Add(tokenTTL - tokenRenewBefore) // renewed before it expires, without a 401
	lookup(3, 4, 1)

	imds.set(func(f *fakeIMDS) { f.grantTTL = "600" }) // IMDS granted less than asked: that TTL counts
	now = now.Add(tokenTTL)
	lookup(4, 5, 1)
	now = now.Add(299 * time.Second)
	lookup(4, 6, 1)
	now = now.Add(time.Second) // 600s - 300s: renewed at half the granted TTL
	lookup(5, 7, 1)
}

func TestLookup_TokenRefusedTwice(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			_, _ = w.Write([]byte("token"))
			return
		}
		http.Error(w, "", http.StatusUnauthorized) // never accepts it
	}))
	defer srv.Close()
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: srv.URL})}
	got, err := s.Lookup(context.Background(), []string{"InstanceId", "ImageId"})
	assert.Empty(t, got)
	assert.EqualError(t, err, "metadata lookup: InstanceId, ImageId: EC2 instance metadata (IMDSv2): GET "+srv.URL+identityPath+": status 401 Unauthorized")
}

func TestLookup_IMDSDisabled(t *testing.T) {
	for _, v := range []string{"true", "TRUE", " true "} {
		s := &Source{Env: env(map[string]string{envIMDSDisabled: v, envIMDSEndpoint: unreachable(t)})}
		got, err := s.Lookup(context.Background(), []string{"InstanceType"})
		assert.Empty(t, got)
		assert.EqualError(t, err, "metadata lookup: InstanceType: EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true); unset it, or remove the EC2 names from dimensions.metadata")
	}
	imds := newFakeIMDS(t)
	s := &Source{Env: env(map[string]string{envIMDSDisabled: "false", envIMDSEndpoint: imds.URL})}
	_, err := s.Lookup(context.Background(), []string{"InstanceType"})
	assert.NoError(t, err, "only true disables it")
}

func TestLookup_IMDSEndpoint(t *testing.T) {
	imds := newFakeIMDS(t)
	for _, tc := range []struct {
		vars      map[string]string
		want, err string
	}{
		{vars: nil, want: imdsIPv4},
		{vars: map[string]string{envIMDSMode: "IPv6"}, want: imdsIPv6},
		{vars: map[string]string{envIMDSMode: "IPv4"}, want: imdsIPv4},
		{vars: map[string]string{envIMDSEndpoint: imds.URL + "/", envIMDSMode: "IPv6"}, want: imds.URL},
		{vars: map[string]string{envIMDSEndpoint: "169.254.169.254"}, err: `AWS_EC2_METADATA_SERVICE_ENDPOINT="169.254.169.254" is not an http:// or https:// URL`},
		{vars: map[string]string{envIMDSEndpoint: "ftp://x"}, err: `AWS_EC2_METADATA_SERVICE_ENDPOINT="ftp://x" is not an http:// or https:// URL`},
	} {
		got, err := (&Source{Env: env(tc.vars)}).imdsEndpoint()
		if tc.err != "" {
			assert.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}

	// The override is really used, trailing slash and all.
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: imds.URL + "/"})}
	got, err := s.Lookup(context.Background(), []string{"ImageId"})
	require.NoError(t, err)
	assert.Equal(t, []Dimension{{"ImageId", "ami-0abcdef1234567890"}}, got)
}

// A container on EC2 behind one hop too many: the token PUT's answer is
// dropped and the call times out. The error says what to change.
func TestLookup_TokenTimeoutNamesTheHopLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: srv.URL}), Client: &http.Client{Timeout: 50 * time.Millisecond}}
	_, err := s.Lookup(context.Background(), []string{"InstanceId"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "InstanceId: EC2 instance metadata (IMDSv2): getting a session token: Put \""+srv.URL+tokenPath+"\"")
	assert.Contains(t, err.Error(), "Client.Timeout exceeded")
	assert.Contains(t, err.Error(), "the PUT response hop limit is at least 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2)")
}

func TestLookup_DefaultClientDoesNotFollowRedirects(t *testing.T) {
	target := unreachable(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	s := &Source{Env: env(map[string]string{envIMDSEndpoint: srv.URL})}
	_, err := s.Lookup(context.Background(), []string{"InstanceId"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PUT "+srv.URL+tokenPath+": status 307 Temporary Redirect")
}
