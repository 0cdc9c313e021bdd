package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/cwagentd/cwagentd/internal/telemetry"
)

// health asks the running agent's admin server (admin.listen, from the same
// config, env and flags as run) whether it is healthy, or with --ready
// whether it is ready: exit 0 if so, 1 if not. It is the container health
// check: it needs no shell and no curl in the image.
func health(args []string, stdout, stderr io.Writer) int {
	var ready bool
	var timeout time.Duration
	cfg, _, code := loadConfig("health", args, stderr, func(fs *pflag.FlagSet) {
		fs.BoolVar(&ready, "ready", false, "check /-/ready (listening and able to publish) instead of /-/healthy")
		fs.DurationVar(&timeout, "timeout", 3*time.Second, "how long to wait for an answer")
	})
	if cfg == nil {
		return code
	}
	if cfg.Admin.Listen == "" {
		fmt.Fprintln(stderr, "cwagentd health: admin.listen is empty, so there is no admin server to ask; set admin.listen (default 127.0.0.1:9102) in the agent and here")
		return 1
	}
	path := telemetry.PathHealthy
	if ready {
		path = telemetry.PathReady
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := telemetry.Check(ctx, cfg.Admin.Listen, path); err != nil {
		fmt.Fprintf(stderr, "cwagentd health: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "cwagentd at %s: %s ok\n", cfg.Admin.Listen, path)
	return 0
}
