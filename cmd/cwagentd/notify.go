package main

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// notify tells systemd (Type=notify) about the agent's state: READY=1 once
// listening, RELOADING=1 and READY=1 around a reload, STOPPING=1 at
// shutdown. Without $NOTIFY_SOCKET it does nothing.
func notify(log *slog.Logger, state string) {
	if _, err := daemon.SdNotify(false, state); err != nil {
		log.Warn("cannot notify systemd", "state", state, "error", err)
	}
}

// monotonicUsec is CLOCK_MONOTONIC in microseconds, which systemd wants
// with RELOADING=1.
func monotonicUsec() string {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return "0"
	}
	return strconv.FormatInt(ts.Nano()/1000, 10)
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
			notify(log, "WATCHDOG=1")
		case <-done:
			return
		}
	}
}
