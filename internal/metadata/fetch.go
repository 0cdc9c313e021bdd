package metadata

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds a response. The identity document is under 1 KiB; /task
// lists every container of the task, so it gets room.
const maxBody = 1 << 20

// call sends one request and returns the body and header of a 2xx answer;
// any other status is a *statusError.
func (s *Source) call(ctx context.Context, method, url string, header http.Header) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := s.client().Do(req)
	if err != nil {
		return nil, nil, err // a *url.Error: it names the method and URL
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: reading the answer: %w", method, url, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		const keep = 200
		return nil, nil, &statusError{method: method, url: url, code: resp.StatusCode,
			body: strings.TrimSpace(string(body[:min(len(body), keep)]))}
	}
	if len(body) > maxBody {
		return nil, nil, fmt.Errorf("%s %s: answer over %d bytes", method, url, maxBody)
	}
	return body, resp.Header, nil
}

// getJSON GETs url and decodes its JSON answer into v.
func (s *Source) getJSON(ctx context.Context, url string, header http.Header, v any) error {
	body, _, err := s.call(ctx, http.MethodGet, url, header)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: the answer is not the expected JSON: %w", url, err)
	}
	return nil
}

// baseURL checks an endpoint taken from the environment and drops any
// trailing slash.
func baseURL(key, v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("%s=%q is not an http:// or https:// URL", key, v)
	}
	return strings.TrimRight(v, "/"), nil
}
