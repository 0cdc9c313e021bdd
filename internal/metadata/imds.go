package metadata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The SDK's standard environment for IMDS (aws-sdk-go-v2 feature/ec2/imds).
const (
	envIMDSDisabled = "AWS_EC2_METADATA_DISABLED"
	envIMDSEndpoint = "AWS_EC2_METADATA_SERVICE_ENDPOINT"
	envIMDSMode     = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE" // IPv4 (default) or IPv6
)

const (
	imdsIPv4     = "http://169.254.169.254"
	imdsIPv6     = "http://[fd00:ec2::254]"
	tokenPath    = "/latest/api/token"
	identityPath = "/latest/dynamic/instance-identity/document"

	headerTTL   = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
	headerToken = "X-Aws-Ec2-Metadata-Token"

	// tokenTTL is the most IMDS grants. The token is cached and renewed
	// tokenRenewBefore its expiry, so a refresh every 10 minutes costs one
	// PUT in 6 hours; a 401 still renews it at once.
	tokenTTL         = 6 * time.Hour
	tokenRenewBefore = 5 * time.Minute
)

// imdsToken is a cached IMDSv2 session token for one endpoint.
type imdsToken struct {
	endpoint, value string
	renewAt         time.Time
}

// identityDocument is the part of the instance identity document we use.
type identityDocument struct {
	InstanceID       string `json:"instanceId"`
	InstanceType     string `json:"instanceType"`
	ImageID          string `json:"imageId"`
	AvailabilityZone string `json:"availabilityZone"`
}

// lookupEC2 adds the EC2 names to got from one GET of the identity document.
func (s *Source) lookupEC2(ctx context.Context, names []string, got map[string]sourced) []error {
	endpoint, err := s.imdsEndpoint()
	if err != nil {
		return []error{fmt.Errorf("%s: %w", nameList(names), err)}
	}
	url := endpoint + identityPath
	var doc identityDocument
	if err := s.imdsGet(ctx, endpoint, url, &doc); err != nil {
		return []error{fmt.Errorf("%s: EC2 instance metadata (IMDSv2): %w", nameList(names), err)}
	}
	values := map[string]string{
		"InstanceId":       doc.InstanceID,
		"InstanceType":     doc.InstanceType,
		"ImageId":          doc.ImageID,
		"AvailabilityZone": doc.AvailabilityZone,
	}
	for _, n := range names {
		got[n] = sourced{value: values[n], from: url}
	}
	return nil
}

func (s *Source) imdsEndpoint() (string, error) {
	if strings.EqualFold(strings.TrimSpace(s.env(envIMDSDisabled)), "true") {
		return "", fmt.Errorf("EC2 instance metadata is disabled (%s=true); unset it, or remove the EC2 names from dimensions.metadata", envIMDSDisabled)
	}
	if v := s.env(envIMDSEndpoint); v != "" {
		return baseURL(envIMDSEndpoint, v)
	}
	if strings.EqualFold(s.env(envIMDSMode), "IPv6") {
		return imdsIPv6, nil
	}
	return imdsIPv4, nil
}

// imdsGet GETs url with a session token. A 401 means the token expired (or
// IMDS restarted): it fetches a new one and tries once more.
func (s *Source) imdsGet(ctx context.Context, endpoint, url string, v any) error {
	for attempt := 0; ; attempt++ {
		token, err := s.imdsToken(ctx, endpoint, attempt > 0)
		if err != nil {
			return err
		}
		err = s.getJSON(ctx, url, http.Header{headerToken: {token}}, v)
		var status *statusError
		if attempt == 0 && errors.As(err, &status) && status.code == http.StatusUnauthorized {
			continue
		}
		return err
	}
}

// imdsToken returns the cached token for endpoint, or a new one when it is
// near expiry, missing or renew is set. The network call is made without
// holding the lock; two concurrent renewals just both succeed.
func (s *Source) imdsToken(ctx context.Context, endpoint string, renew bool) (string, error) {
	now := s.clock()
	s.mu.Lock()
	t := s.token
	s.mu.Unlock()
	if !renew && t.value != "" && t.endpoint == endpoint && now.Before(t.renewAt) {
		return t.value, nil
	}
	url := endpoint + tokenPath
	body, header, err := s.call(ctx, http.MethodPut, url, http.Header{headerTTL: {strconv.Itoa(int(tokenTTL / time.Second))}})
	if err != nil {
		return "", tokenError(err)
	}
	token := strings.TrimSpace(string(body))
	if token == "" {
		return "", tokenError(fmt.Errorf("PUT %s: empty token", url))
	}
	ttl := grantedTTL(header)
	s.mu.Lock()
	s.token = imdsToken{endpoint: endpoint, value: token, renewAt: now.Add(ttl - min(tokenRenewBefore, ttl/2))}
	s.mu.Unlock()
	return token, nil
}

// grantedTTL is the TTL IMDS says it granted, when less than asked.
func grantedTTL(header http.Header) time.Duration {
	n, err := strconv.Atoi(header.Get(headerTTL))
	if err != nil || n <= 0 || time.Duration(n)*time.Second > tokenTTL {
		return tokenTTL
	}
	return time.Duration(n) * time.Second
}

// tokenError says what usually stops the token PUT.
func tokenError(err error) error {
	return fmt.Errorf("getting a session token: %w; on EC2, check that instance metadata is enabled and, for a container, that the PUT response hop limit is at least 2 (aws ec2 modify-instance-metadata-options --http-put-response-hop-limit 2); off EC2, remove the EC2 names from dimensions.metadata", err)
}
