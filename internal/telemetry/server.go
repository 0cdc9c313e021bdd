package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The admin server's paths.
const (
	PathMetrics = "/metrics"
	PathHealthy = "/-/healthy"
	PathReady   = "/-/ready"
)

// Server is the admin HTTP server. /-/healthy answers 200 while the process
// serves and its liveness check passes; /-/ready answers 200 between SetReady(true) (the listeners are
// bound and the publisher is set up) and SetReady(false) (shutdown), 503
// otherwise.
type Server struct {
	ln      net.Listener
	srv     *http.Server
	ready   atomic.Pointer[string] // nil: ready; else why not
	metrics atomic.Pointer[http.Handler]
	live    atomic.Pointer[func() error]
	log     *slog.Logger
	done    chan struct{}
}

// Listen binds addr (admin.listen) and serves on it; /metrics answers 503
// until Serve names a registry. Binding comes first so that a busy port
// fails the start before anything slow.
func Listen(addr string, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin.listen %q: %w; choose a free port, or set admin.listen to \"\" to disable the admin server", addr, err)
	}
	s := &Server{ln: ln, log: log, done: make(chan struct{})}
	s.SetReady(false, "starting")
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathMetrics, func(w http.ResponseWriter, r *http.Request) {
		h := s.metrics.Load()
		if h == nil {
			http.Error(w, "cwagentd is starting", http.StatusServiceUnavailable)
			return
		}
		(*h).ServeHTTP(w, r)
	})
	mux.HandleFunc("GET "+PathHealthy, func(w http.ResponseWriter, _ *http.Request) {
		if live := s.live.Load(); live != nil {
			if err := (*live)(); err != nil {
				http.Error(w, "cwagentd is not healthy: "+err.Error(), http.StatusServiceUnavailable)
				return
			}
		}
		io.WriteString(w, "cwagentd is healthy\n")
	})
	mux.HandleFunc("GET "+PathReady, func(w http.ResponseWriter, _ *http.Request) {
		if why := s.ready.Load(); why != nil {
			http.Error(w, "cwagentd is not ready: "+*why, http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "cwagentd is ready\n")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "cwagentd admin\n%s  Prometheus metrics\n%s  200 while the process serves\n%s  200 once listening and able to publish\n",
			PathMetrics, PathHealthy, PathReady)
	})
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("admin server stopped", "error", err)
		}
	}()
	return s, nil
}

// SetLiveness makes /-/healthy answer 503 with live's error when it
// returns one.
func (s *Server) SetLiveness(live func() error) { s.live.Store(&live) }

// Serve makes /metrics serve reg.
func (s *Server) Serve(reg *prometheus.Registry) {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn), Timeout: 10 * time.Second})
	s.metrics.Store(&h)
}

// Addr is the address bound (with the port chosen when admin.listen ended
// in :0).
func (s *Server) Addr() string { return s.ln.Addr().String() }

// SetReady sets what /-/ready answers; why says what it waits for when not.
func (s *Server) SetReady(ready bool, why string) {
	if ready {
		s.ready.Store(nil)
		return
	}
	s.ready.Store(&why)
}

// Close stops serving, letting requests under way finish until ctx ends.
func (s *Server) Close(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	<-s.done
	return err
}

// Check asks the admin server at addr (admin.listen) for path (PathHealthy
// or PathReady) and returns nil on 200. An unspecified host (":9102",
// "0.0.0.0:9102", "[::]:9102") is asked on loopback.
func Check(ctx context.Context, addr, path string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("admin.listen %q is not host:port: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	url := "http://" + net.JoinHostPort(host, port) + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{Transport: &http.Transport{Proxy: nil}} // never through HTTP_PROXY
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("no answer from %s: %w (is cwagentd running, with this admin.listen?)", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	return nil
}
