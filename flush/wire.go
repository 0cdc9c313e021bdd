package flush

import (
	"io"
	"net/http"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// CountingHTTPClient counts the request body bytes put on the wire, after
// the SDK's gzip (bodies of 10 KiB and more; below that gzip rarely pays).
// Compared with Flusher.BytesAttempted it shows what compression saves.
type CountingHTTPClient struct {
	Inner aws.HTTPClient
	Sent  atomic.Uint64
}

// Do counts r's body as it is read, then delegates.
func (c *CountingHTTPClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &countingBody{ReadCloser: r.Body, n: &c.Sent}
	}
	return c.Inner.Do(r)
}

type countingBody struct {
	io.ReadCloser
	n *atomic.Uint64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(uint64(n))
	return n, err
}
