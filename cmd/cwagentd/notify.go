package main

import (
	"log/slog"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notify tells systemd (Type=notify) about the agent's state: READY=1 once
// listening, RELOADING=1 and READY=1 around a reload, STOPPING=1 at
// shutdown. Without $NOTIFY_SOCKET it does nothing.
func notify(log *slog.Logger, state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		log.Warn("cannot notify systemd", "state", state, "error", err)
	}
}

// stallGrace is how long past a period the aggregator may go without
// handing a period to the flusher before the agent calls itself unhealthy.
const stallGrace = 30 * time.Second

// watchdog pings systemd's watchdog (WatchdogSec= in the unit) while live
// returns nil, at a third of the interval systemd asks for; once it fails,
// the pings stop and systemd restarts the agent. It returns when done is
// closed, and at once without a watchdog.
func watchdog(log *slog.Logger, live func() error, done <-chan struct{}) {
	interval, err := daemon.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return
	}
	tick := time.NewTicker(interval / 3)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := live(); err != nil {
				log.Error("not live: no longer pinging the systemd watchdog, which will restart the agent", "error", err)
				return
			}
			notify(log, daemon.SdNotifyWatchdog)
		case <-done:
			return
		}
	}
}
