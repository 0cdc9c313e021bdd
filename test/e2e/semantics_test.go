package e2e

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

// fakeMetadata serves IMDSv2 (a token PUT, then GETs that must carry it) and
// the ECS task metadata endpoint v4, as the agent's lookups meet them.
func fakeMetadata(t *testing.T) (imds, ecs string) {
	const token = "tok-e2e"
	im := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPut && r.URL.Path == "/latest/api/token":
			w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", r.Header.Get("X-Aws-Ec2-Metadata-Token-Ttl-Seconds"))
			fmt.Fprint(w, token)
		case r.Header.Get("X-Aws-Ec2-Metadata-Token") != token:
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/latest/dynamic/instance-identity/document":
			json.NewEncoder(w).Encode(map[string]string{"instanceId": "i-0e2e", "instanceType": "m7g.large",
				"imageId": "ami-0e2e", "availabilityZone": "us-east-1a", "region": "us-east-1"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(im.Close)
	ec := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v4/c1":
			json.NewEncoder(w).Encode(map[string]string{"Name": "app"})
		case "/v4/c1/task":
			json.NewEncoder(w).Encode(map[string]string{"Cluster": "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
				"TaskARN": "arn:aws:ecs:us-east-1:123456789012:task/prod/abc", "Family": "web"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ec.Close)
	return im.URL, ec.URL + "/v4/c1"
}

// TestE2E_DimensionsUnitsRollupsPercentiles drives every rule of issue 5's
// semantics through the real binary, the real SDK and the fake CloudWatch:
// static and metadata dimensions (fake IMDSv2 and ECS endpoints), renames,
// allow lists, bare tags, units by pattern, rollups, and a wide timer whose
// percentiles CloudWatch would serve within 1%.
func TestE2E_DimensionsUnitsRollupsPercentiles(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	imds, ecs := fakeMetadata(t)
	awayFromBoundary(20 * time.Second)
	a := startAgent(t, append(awsEnv(cw),
		"AWS_EC2_METADATA_DISABLED=false", "AWS_EC2_METADATA_SERVICE_ENDPOINT="+imds, "ECS_CONTAINER_METADATA_URI_V4="+ecs,
		"CWAGENTD_DIMENSIONS_STATIC=Environment=prod",
		"CWAGENTD_DIMENSIONS_METADATA=InstanceId,AvailabilityZone,ClusterName,TaskFamily",
		"CWAGENTD_DIMENSIONS_RENAME=svc=Service",
		`CWAGENTD_DIMENSIONS_RULES=[{"metrics":"api.*","allow":["Service","route","canary"]}]`,
		"CWAGENTD_DIMENSIONS_BARE_TAG_VALUE=true",
		"CWAGENTD_AGGREGATION_UNITS=*.bytes=Bytes",
		`CWAGENTD_AGGREGATION_ROLLUPS=[{"metrics":"api.*","dimensions":[[],["Service"]]}]`,
	))
	a.send("udp",
		"api.req:1|c|#svc:a,route:/pay,pod:p1\napi.req:2|c|#svc:a,route:/pay,pod:p2\napi.req:4|c|#svc:b,route:/list,canary",
		"io.bytes:512|h|#svc:a\nio.bytes:1536|h|#svc:a",
		"lat:5|ms\nlat:7|h", // one name, two types: the unit stays Milliseconds
	)
	// A wide timer: 20k samples from 1 ms to ~10^5 ms, packed in datagrams.
	rng := rand.New(rand.NewPCG(5, 6))
	var samples []float64
	var batch []string
	for len(samples) < 20_000 {
		v := math.Round(math.Exp(rng.NormFloat64()*2+math.Log(50))*100) / 100
		if v < 1 || v > 1e5 {
			continue
		}
		samples = append(samples, v)
		if batch = append(batch, fmt.Sprintf("api.latency:%g|ms|#svc:a", v)); len(batch) == 60 {
			a.send("udp", strings.Join(batch, "\n"))
			batch = batch[:0]
		}
	}
	a.send("udp", strings.Join(batch, "\n"))
	a.stop()

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	op := "AvailabilityZone=us-east-1a,ClusterName=prod,Environment=prod,InstanceId=i-0e2e,"
	one := func(key string) fakecw.Datum {
		t.Helper()
		require.Len(t, got[key], 1, "%s in %v", key, keys(got))
		return got[key][0]
	}
	assert.Equal(t, stats(2, 3, 1, 2), one("api.req{"+op+"Service=a,TaskFamily=web,route=/pay}").StatisticValues,
		"renamed svc, pod not allowed, operator dimensions on every datum")
	assert.Equal(t, stats(1, 4, 4, 4), one("api.req{"+op+"Service=b,TaskFamily=web,canary=true,route=/list}").StatisticValues)
	assert.Equal(t, stats(3, 7, 1, 4), one("api.req{}").StatisticValues, "rollup over every dimension")
	assert.Equal(t, stats(2, 3, 1, 2), one("api.req{Service=a}").StatisticValues)
	assert.Equal(t, stats(1, 4, 4, 4), one("api.req{Service=b}").StatisticValues)

	b := one("io.bytes{" + op + "Service=a,TaskFamily=web}")
	assert.Equal(t, "Bytes", b.Unit)
	lat := got["lat{"+strings.TrimSuffix(op, ",")+",TaskFamily=web}"]
	require.Len(t, lat, 2, "one datum per type, in one CloudWatch series: %v", keys(got))
	for _, d := range lat {
		assert.Equal(t, "Milliseconds", d.Unit, "a second type under one name keeps the pinned unit")
	}

	wide := got["api.latency{"+op+"Service=a,TaskFamily=web}"]
	require.NotEmpty(t, wide)
	t.Logf("20k samples from %g to %g ms: %d datums", slices.Min(samples), slices.Max(samples), len(wide))
	st := fakecw.Merge(wide)
	slices.Sort(samples)
	var sum float64
	for _, v := range samples {
		sum += v
	}
	assert.Equal(t, 20_000.0, st.SampleCount)
	assert.Equal(t, samples[0], st.Minimum)
	assert.Equal(t, samples[len(samples)-1], st.Maximum)
	assert.InEpsilon(t, sum, st.Sum, 1e-9)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		truth := samples[int(math.Ceil(q*float64(len(samples))))-1]
		got := st.Percentile(q)
		assert.InEpsilon(t, truth, got, 0.01+1e-9, "p%g", q*100)
		t.Logf("p%-5g true %-9g CloudWatch %-9g error %.3f%%", q*100, truth, got, 100*math.Abs(got-truth)/truth)
	}
	for _, d := range wide {
		assert.Equal(t, "Milliseconds", d.Unit)
		assert.LessOrEqual(t, len(d.Values), 150)
	}
	rolled := fakecw.Merge(got["api.latency{Service=a}"])
	assert.Equal(t, st.StatisticSet, rolled.StatisticSet, "the rollup of one series is that series")
}

// TestE2E_HighResolutionPerPattern: api.* every 2s at StorageResolution 1,
// everything else once per minute at 60, from one agent.
func TestE2E_HighResolutionPerPattern(t *testing.T) {
	cw := fakecw.New()
	defer cw.Close()
	awayFromBoundary(15 * time.Second)
	a := startAgent(t, append(awsEnv(cw), `CWAGENTD_AGGREGATION_HIGH_RESOLUTION=api.*`,
		"CWAGENTD_AGGREGATION_HIGH_RESOLUTION_PERIOD=2s", "CWAGENTD_FLUSH_JITTER=0s"))
	a.send("udp", "api.req:1|c\nweb.req:1|c")
	require.NoError(t, cw.WaitForDatums(waitCtx(t, 10*time.Second), 1), "a high-resolution period goes out within seconds")
	a.send("udp", "api.req:2|c\nweb.req:2|c")
	time.Sleep(2500 * time.Millisecond)
	a.stop()

	assert.Empty(t, cw.Violations())
	got := series(cw.Datums())
	require.NotEmpty(t, got["api.req{}"])
	var apiSum float64
	for _, d := range got["api.req{}"] {
		assert.Equal(t, 1, d.StorageResolution)
		assert.Zero(t, d.Timestamp.UnixMilli()%2000, "aligned to 2s: %s", d.Timestamp)
		apiSum += d.StatisticValues.Sum
	}
	assert.Equal(t, 3.0, apiSum)
	require.Len(t, got["web.req{}"], 1, "standard series: one datum for the minute")
	web := got["web.req{}"][0]
	assert.Equal(t, 60, web.StorageResolution)
	assert.Zero(t, web.Timestamp.Second(), "the minute's start: %s", web.Timestamp)
	assert.Equal(t, stats(2, 3, 1, 2), web.StatisticValues)
}
