package main

import (
	"log/slog"
	"os"
	"strings"

	"github.com/coreos/go-systemd/v22/daemon"
	"github.com/spf13/pflag"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/config"
	"github.com/cwagentd/cwagentd/flush"
	"github.com/cwagentd/cwagentd/internal/telemetry"
)

// liveConfig is the running config and what a reload changes. It is used
// by run's goroutine only.
type liveConfig struct {
	cfg   *config.Config
	flags *pflag.FlagSet // as parsed at start: flags keep their precedence
	log   *slog.Logger
	level *slog.LevelVar
	agg   *aggregate.Aggregator
	fl    *flush.Flusher
	tel   *telemetry.Telemetry
}

// reload re-reads the file, with the environment and flags the process
// started with (a process cannot see a changed environment: editing
// /etc/default/cwagentd needs a restart). A valid config is swapped in: its live keys apply at once, the others are
// logged as needing a restart. An invalid one changes nothing.
func (l *liveConfig) reload() {
	notify(l.log, daemon.SdNotifyReloading+"\n"+daemon.SdNotifyMonotonicUsec())
	defer notify(l.log, daemon.SdNotifyReady)
	next, err := config.Load(l.flags, os.Environ())
	if err != nil {
		l.tel.Reloaded(false)
		l.log.Error("reload failed: still running on the previous config; fix these and send SIGHUP again",
			"errors", strings.Split(err.Error(), "\n"))
		return
	}
	if problem := config.CheckLive(l.cfg, next); problem != "" {
		l.tel.Reloaded(false)
		l.log.Error("reload failed: still running on the previous config; fix this and send SIGHUP again", "error", problem)
		return
	}
	var applied, restart []string
	for _, c := range config.Diff(l.cfg, next) {
		if c.Live {
			applied = append(applied, c.Key+"="+c.To)
		} else {
			restart = append(restart, c.Key+"="+c.To)
			l.log.Warn("reload: key changed but needs a restart to take effect", "key", c.Key, "running", c.From, "new", c.To)
		}
	}
	c := config.Apply(l.cfg, next) // restart-only keys keep their running values
	l.cfg = c
	l.level.Set(logLevel(c.Log.Level))
	l.agg.SetLimits(c.Aggregation.MaxSeries, c.Aggregation.GaugeTTL)
	l.fl.SetLimits(flush.Limits{MaxRequestsPerSecond: c.CloudWatch.MaxRequestsPerSecond,
		Burst: c.CloudWatch.Burst, Jitter: c.Flush.Jitter})
	l.tel.Reloaded(true)
	l.log.Info("config reloaded", "file", next.File(), "applied", applied, "need_restart", restart)
}
