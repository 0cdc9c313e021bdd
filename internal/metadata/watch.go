package metadata

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// FirstRetry is Watch's first wait after an incomplete lookup; the wait
// doubles on each further one, up to the refresh interval.
const FirstRetry = 5 * time.Second

// DefaultRefresh is Watch's interval when it is given none.
const DefaultRefresh = 10 * time.Minute

// Watch calls Lookup at once, then every `every` (DefaultRefresh when <= 0),
// retrying sooner while a lookup fails (FirstRetry, doubling up to every).
//
// apply gets the result of the first lookup whatever it holds (possibly
// nothing: the caller may take that call as "the first lookup is done"),
// then each result that differs from the last applied one. A name a later
// lookup could not get keeps its last applied value, so a passing endpoint
// failure never changes the dimensions (in CloudWatch, a new set of
// dimensions is a new metric). apply runs on Watch's goroutine and may keep
// the slice.
//
// Failures are logged through log (discarded when nil): a new one at Warn,
// the same one again at Debug, the first success after them at Info. names
// must pass Validate; if not, Watch logs the error and returns. Watch
// returns when ctx is done, without applying a lookup that ctx cut short.
func (s *Source) Watch(ctx context.Context, names []string, every time.Duration, log *slog.Logger, apply func([]Dimension)) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if every <= 0 {
		every = DefaultRefresh
	}
	if err := Validate(names); err != nil {
		log.Error("metadata dimensions are not looked up", "err", err)
		return
	}
	var (
		applied []Dimension
		first   = true
		lastErr string
		retry   time.Duration // the wait after the last failure; 0 after a success
	)
	for {
		got, err := s.Lookup(ctx, names)
		if ctx.Err() != nil {
			return
		}
		merged := merge(names, got, applied)
		if first || !slices.Equal(merged, applied) {
			log.Info("metadata dimensions", "dimensions", format(merged))
			apply(merged)
			applied, first = merged, false
		}
		wait := every
		switch {
		case err != nil:
			retry = min(max(retry*2, FirstRetry), every)
			wait = retry
			level := slog.LevelWarn
			if err.Error() == lastErr {
				level = slog.LevelDebug
			}
			log.Log(ctx, level, "metadata lookup failed", "err", err, "retry_in", wait.String()) // "5s", also in JSON logs
			lastErr = err.Error()
		case lastErr != "":
			log.Info("metadata lookup recovered")
			lastErr, retry = "", 0
		}
		if !s.wait(ctx, wait) {
			return
		}
	}
}

// merge is got in the order of names, with the last applied value for a
// name got lacks.
func merge(names []string, got, applied []Dimension) []Dimension {
	out := make([]Dimension, 0, len(names))
	for _, n := range names {
		if i := slices.IndexFunc(got, func(d Dimension) bool { return d.Name == n }); i >= 0 {
			out = append(out, got[i])
		} else if i := slices.IndexFunc(applied, func(d Dimension) bool { return d.Name == n }); i >= 0 {
			out = append(out, applied[i])
		}
	}
	return out
}

// format renders dims as Name=Value,Name=Value for the log.
func format(dims []Dimension) string {
	parts := make([]string, len(dims))
	for i, d := range dims {
		parts[i] = d.Name + "=" + d.Value
	}
	return strings.Join(parts, ",")
}

// wait sleeps d, or returns false when ctx is done first.
func (s *Source) wait(ctx context.Context, d time.Duration) bool {
	if s.sleep != nil {
		return s.sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
