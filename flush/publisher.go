package flush

import "context"

// Publisher sends one request. It returns nil only when the request was
// delivered; a delivered request is never sent again.
type Publisher interface {
	Publish(ctx context.Context, r *Request) error
}
