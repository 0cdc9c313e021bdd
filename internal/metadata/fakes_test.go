package metadata

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
)

// fakeIMDS behaves like IMDS with IMDSv2 required: a token from PUT
// /latest/api/token (TTL header 1..21600 required, X-Forwarded-For refused),
// and every GET must carry a valid token or gets 401 (so IMDSv1-style GETs
// are refused too).
type fakeIMDS struct {
	*httptest.Server
	mu       sync.Mutex
	doc      map[string]string // the identity document
	tokens   map[string]bool   // tokens IMDS still honours
	grantTTL string            // the TTL header of token answers; the asked TTL when empty
	fail     int               // answer the next fail identity GETs with 500
	puts     int
	gets     int // identity GETs that carried a valid token
	refused  int // GETs refused with 401
}

func newFakeIMDS(t *testing.T) *fakeIMDS {
	f := &fakeIMDS{tokens: map[string]bool{}, doc: map[string]string{
		"instanceId": "i-0123456789abcdef0", "instanceType": "m7g.large",
		"imageId": "ami-0abcdef1234567890", "availabilityZone": "us-east-1a",
		"region": "us-east-1", "accountId": "123456789012",
	}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeIMDS) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.URL.Path == tokenPath {
		ttl, err := strconv.Atoi(r.Header.Get(headerTTL))
		switch {
		case r.Method != http.MethodPut:
			http.Error(w, "", http.StatusMethodNotAllowed)
		case r.Header.Get("X-Forwarded-For") != "":
			http.Error(w, "", http.StatusForbidden)
		case err != nil || ttl < 1 || ttl > 21600:
			http.Error(w, "", http.StatusBadRequest)
		default:
			f.puts++
			token := fmt.Sprintf("token-%d", f.puts)
			f.tokens[token] = true
			grant := f.grantTTL
			if grant == "" {
				grant = strconv.Itoa(ttl)
			}
			w.Header().Set(headerTTL, grant)
			fmt.Fprint(w, token)
		}
		return
	}
	if r.Method != http.MethodGet {
		http.Error(w, "", http.StatusMethodNotAllowed)
		return
	}
	if !f.tokens[r.Header.Get(headerToken)] {
		f.refused++
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	if r.URL.Path != identityPath {
		http.NotFound(w, r)
		return
	}
	if f.fail > 0 {
		f.fail--
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	f.gets++
	_ = json.NewEncoder(w).Encode(f.doc)
}

// expireTokens makes IMDS forget every token it gave, as when their TTL ends.
func (f *fakeIMDS) expireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.tokens)
}

func (f *fakeIMDS) set(fn func(f *fakeIMDS)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeIMDS) counts() (puts, gets, refused int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.puts, f.gets, f.refused
}

// fakeTMDE behaves like the ECS task metadata endpoint v4 at
// ${URL}/v4/<container id>: the container's metadata there, the task's at
// /task, 404 elsewhere.
type fakeTMDE struct {
	*httptest.Server
	mu        sync.Mutex
	task      map[string]any
	container map[string]any
	status    map[string]int // a status to answer instead, by path
	hits      map[string]int
}

const tmdePath = "/v4/a1b2c3d4e5f6-1234567890"

func newFakeTMDE(t *testing.T) *fakeTMDE {
	f := &fakeTMDE{
		task: map[string]any{
			"Cluster":    "arn:aws:ecs:us-east-1:123456789012:cluster/prod",
			"TaskARN":    "arn:aws:ecs:us-east-1:123456789012:task/prod/0123456789abcdef0123456789abcdef",
			"Family":     "checkout",
			"Revision":   "7",
			"Containers": []map[string]any{{"Name": "app"}, {"Name": "cwagentd"}},
		},
		container: map[string]any{"Name": "cwagentd", "DockerName": "ecs-checkout-7-cwagentd-abc", "Image": "cwagentd:1"},
		status:    map[string]int{},
		hits:      map[string]int{},
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

// uri is what ECS puts in ECS_CONTAINER_METADATA_URI_V4.
func (f *fakeTMDE) uri() string { return f.URL + tmdePath }

func (f *fakeTMDE) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hits[r.URL.Path]++
	if code := f.status[r.URL.Path]; code != 0 {
		http.Error(w, "Unable to generate metadata", code)
		return
	}
	switch {
	case r.Method != http.MethodGet:
		http.Error(w, "", http.StatusMethodNotAllowed)
	case r.URL.Path == tmdePath:
		_ = json.NewEncoder(w).Encode(f.container)
	case r.URL.Path == tmdePath+"/task":
		_ = json.NewEncoder(w).Encode(f.task)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeTMDE) set(fn func(f *fakeTMDE)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakeTMDE) hitCount(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[path]
}

// env returns an Env func over vars; anything else is unset (so the tests
// never see the machine's AWS_* or ECS_* variables).
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// unreachable fails the test if anything asks it.
func unreachable(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected %s %s", r.Method, r.URL)
		http.Error(w, "", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}
