package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/coreos/go-systemd/v22/daemon"

	"github.com/cwagentd/cwagentd/aggregate"
	"github.com/cwagentd/cwagentd/config"
	"github.com/cwagentd/cwagentd/flush"
	"github.com/cwagentd/cwagentd/flush/spool"
	"github.com/cwagentd/cwagentd/ingest"
	"github.com/cwagentd/cwagentd/internal/drops"
	"github.com/cwagentd/cwagentd/internal/telemetry"
)

// run is the daemon: it returns 0 after a clean SIGTERM/SIGINT.
func run(args []string, stdout, stderr io.Writer) int {
	cfg, flags, code := loadConfig("run", args, stderr, nil)
	if cfg == nil {
		return code
	}
	level := new(slog.LevelVar)
	log := newLogger(cfg, stderr, level)
	ctx, stopSignals := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stopSignals()
	hup := make(chan os.Signal, 1) // from the start: Go's default for SIGHUP is to exit
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	// Bind first: samples sent while the AWS chains resolve (up to seconds
	// at boot) are folded instead of refused.
	agg := aggregate.New(aggregate.Options{Period: cfg.Aggregation.Period, HighResPeriod: cfg.Aggregation.HighResolutionPeriod,
		GaugeTTL:  cfg.Aggregation.GaugeTTL,
		MaxSeries: cfg.Aggregation.MaxSeries, Rules: rules(cfg), Log: log})
	lineDrops := ingest.NewLineDrops(log)
	var st transportStats
	listeners, err := listen(cfg, log, agg, lineDrops, &st)
	if err != nil {
		log.Error("cannot start", "error", err)
		return 1
	}
	watchMetadata(ctx, cfg, agg, log)
	closeAll := func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}
	fail := func(err error) int {
		closeAll()
		log.Error("cannot start", "error", err)
		return 1
	}
	var admin *telemetry.Server
	if cfg.Admin.Listen != "" {
		if admin, err = telemetry.Listen(cfg.Admin.Listen, log); err != nil {
			return fail(err)
		}
		defer admin.Close(context.Background())
	}
	wire := &flush.CountingHTTPClient{Inner: awshttp.NewBuildableClient()}
	pub, err := publisher(ctx, cfg, stdout, wire, log)
	if err != nil {
		return fail(err)
	}
	sp := openSpool(cfg, log)
	if sp != nil {
		defer sp.Close()
	}
	var tel *telemetry.Telemetry
	fl := flush.New(pub, flush.Options{Spool: spoolOrNil(sp), Namespace: cfg.CloudWatch.Namespace, Jitter: cfg.Flush.Jitter,
		RequestTimeout: cfg.Flush.RequestTimeout, Log: log,
		MaxRequestsPerSecond: cfg.CloudWatch.MaxRequestsPerSecond, Burst: cfg.CloudWatch.Burst,
		MaxConcurrency: cfg.Flush.MaxConcurrency, MaxPendingBytes: cfg.Flush.MaxPendingBytes, MaxAge: cfg.Flush.MaxAge,
		ObserveCall: func(outcome string, d time.Duration) { tel.ObserveCall(outcome, d) }})
	tel, err = telemetry.New(telemetry.Sources{
		Transports: st.configured(cfg),
		LineDrops:  lineDrops, TagFixes: agg.TagFixes, SampleDrops: agg.Drops, Units: agg.UnitConflicts, Series: agg.Series,
		Flusher: fl, WireBytes: wire.Sent.Load, Spool: sp,
	}, version, os.Environ())
	if err != nil {
		return fail(err)
	}
	if admin != nil {
		admin.Serve(tel.Registry)
	}
	if tel.Pushing {
		log.Info("pushing self-telemetry over OTLP/HTTP (OTEL_EXPORTER_OTLP_* settings)")
	}

	batches := make(chan aggregate.Batch, 64)
	stopAgg := make(chan struct{})
	hard, giveUp := context.WithCancel(context.Background())
	defer giveUp()
	go agg.Run(stopAgg, batches)
	flushed := make(chan struct{})
	go func() { fl.Run(hard, batches); close(flushed) }()

	addrs := make([]string, len(listeners))
	for i, l := range listeners {
		addrs[i] = l.Addr()
	}
	live := func() error { return agg.Stalled(stallGrace) }
	adminAddr := ""
	if admin != nil {
		adminAddr = admin.Addr()
		admin.SetLiveness(live)
		admin.SetReady(true, "")
	}
	stopWatchdog := make(chan struct{})
	defer close(stopWatchdog)
	go watchdog(log, live, stopWatchdog)
	log.Info("cwagentd ready", "version", version, "listening", addrs, "admin", adminAddr, "output", cfg.Output,
		"namespace", cfg.CloudWatch.Namespace, "period", cfg.Aggregation.Period, "jitter", cfg.Flush.Jitter)
	notify(log, daemon.SdNotifyReady+"\nSTATUS=listening on "+strings.Join(addrs, ", "))

	running := &liveConfig{cfg: cfg, flags: flags, log: log, level: level, agg: agg, fl: fl, tel: tel}
	for waiting := true; waiting; {
		select {
		case <-hup:
			running.reload()
		case <-ctx.Done():
			waiting = false
		}
	}
	// Catch the second signal before releasing the first handler, so that
	// no window restores Go's default (exit without the final flush).
	second := make(chan os.Signal, 1)
	signal.Notify(second, syscall.SIGTERM, os.Interrupt)
	stopSignals()
	shutdownTimeout := running.cfg.ShutdownTimeout
	notify(log, daemon.SdNotifyStopping)
	if admin != nil {
		admin.SetReady(false, "shutting down")
	}
	log.Info("shutting down: draining sockets, then sending everything", "shutdown_timeout", shutdownTimeout)
	deadline := time.AfterFunc(shutdownTimeout, giveUp)
	defer deadline.Stop()
	go giveUpOnSecondSignal(log, second, giveUp)

	closeAll()
	close(stopAgg)
	<-flushed
	fl.Discard(batches) // anything closed after a deadline that came first
	summarize(log, &st, lineDrops, agg, fl, wire)
	pushed, cancel := context.WithTimeout(context.Background(), telemetry.FinalPushTimeout)
	defer cancel()
	if err := tel.Shutdown(pushed); err != nil && tel.Pushing {
		log.Warn("last OTLP push failed", "error", err)
	}
	return 0
}

// publisher returns stdout's, or the CloudWatch client from the SDK's
// standard chains (Region, credentials, AWS_ENDPOINT_URL_CLOUDWATCH) with the
// SDK's retryer off: the flusher owns retries.
func publisher(ctx context.Context, cfg *config.Config, stdout io.Writer, hc aws.HTTPClient, log *slog.Logger) (flush.Publisher, error) {
	if cfg.Output == config.OutputStdout {
		return &flush.Stdout{W: stdout}, nil
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithHTTPClient(hc),
		awsconfig.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }))
	if err != nil {
		return nil, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if awsCfg.Region == "" {
		if awsCfg.Region, err = instanceRegion(ctx, awsCfg); err != nil {
			return nil, fmt.Errorf("no AWS Region: set AWS_REGION (on EC2 the instance's Region is used, but instance metadata said: %w), or set output to stdout to try the agent without AWS", err)
		}
	}
	credCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := awsCfg.Credentials.Retrieve(credCtx); err != nil {
		log.Warn("no AWS credentials yet; each flush will try again (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile, an ECS task role or an EC2 instance role)", "error", err)
	}
	return flush.CloudWatch{API: cloudwatch.NewFromConfig(awsCfg)}, nil
}

// instanceRegion asks EC2 instance metadata (IMDSv2) for the Region, briefly.
func instanceRegion(ctx context.Context, awsCfg aws.Config) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out, err := imds.NewFromConfig(awsCfg).GetRegion(ctx, &imds.GetRegionInput{})
	if err != nil {
		return "", err
	}
	return out.Region, nil
}

// transportStats are the counts of each transport's listener.
type transportStats struct {
	udp, unixgram, unix ingest.Stats
}

// openSpool opens flush.spool_dir. A spool that cannot be opened is logged
// as an error and the agent runs on, keeping undelivered data in memory.
func openSpool(cfg *config.Config, log *slog.Logger) *spool.Spool {
	if cfg.Flush.SpoolDir == "" {
		return nil
	}
	sp, err := spool.Open(spool.Options{Dir: cfg.Flush.SpoolDir, MaxBytes: cfg.Flush.SpoolMaxBytes, MaxAge: cfg.Flush.MaxAge})
	if err != nil {
		log.Error("the spool is unavailable: undelivered data is kept in memory only until it is fixed and the agent restarted",
			"flush.spool_dir", cfg.Flush.SpoolDir, "error", err)
		return nil
	}
	st := sp.Stats()
	log.Info("spool open", "dir", cfg.Flush.SpoolDir, "records", st.Records, "bytes", st.Bytes,
		"corrupt_ranges", st.Corrupt, "dropped_too_old", st.DroppedTooOld)
	return sp
}

// spoolOrNil keeps a nil *spool.Spool from becoming a non-nil interface.
func spoolOrNil(sp *spool.Spool) flush.Spool {
	if sp == nil {
		return nil
	}
	return sp
}

// configured lists the counters of the transports cfg listens on.
func (st *transportStats) configured(cfg *config.Config) []telemetry.Transport {
	var out []telemetry.Transport
	for _, t := range []struct {
		on    bool
		name  string
		stats *ingest.Stats
	}{{cfg.Listen.UDP != "", "udp", &st.udp}, {cfg.Listen.Unixgram != "", "unixgram", &st.unixgram}, {cfg.Listen.Unix != "", "unix", &st.unix}} {
		if t.on {
			out = append(out, telemetry.Transport{Name: t.name, Stats: t.stats})
		}
	}
	return out
}

// listener is what run needs of every transport's listener.
type listener interface {
	Addr() string
	Close() error
}

func listen(cfg *config.Config, log *slog.Logger, agg *aggregate.Aggregator, d *drops.Counter, st *transportStats) ([]listener, error) {
	lc := cfg.Listen
	if lc.UDP == "" && lc.Unixgram == "" && lc.Unix == "" {
		return nil, errors.New("listen.udp, listen.unixgram and listen.unix are all empty: set at least one, e.g. --listen.udp=127.0.0.1:8125")
	}
	opts := func(s *ingest.Stats) ingest.Options {
		return ingest.Options{NewFolder: func() ingest.Folder { return agg.NewFolder() },
			Stats: s, Drops: d, ReadBuffer: int(lc.ReadBuffer), Readers: lc.Readers, Log: log}
	}
	var out []listener
	add := func(l listener, err error) error {
		if err != nil {
			for _, o := range out {
				_ = o.Close()
			}
			return err
		}
		out = append(out, l)
		return nil
	}
	if lc.UDP != "" {
		if err := add(ingest.ListenUDP(lc.UDP, opts(&st.udp))); err != nil {
			return nil, err
		}
	}
	if lc.Unixgram != "" {
		if err := add(ingest.ListenUnixgram(lc.Unixgram, lc.UnixgramMode, opts(&st.unixgram))); err != nil {
			return nil, err
		}
	}
	if lc.Unix != "" {
		if err := add(ingest.ListenUnix(lc.Unix, lc.UnixgramMode, opts(&st.unix))); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func giveUpOnSecondSignal(log *slog.Logger, c <-chan os.Signal, giveUp func()) {
	<-c
	log.Warn("second signal: abandoning delivery")
	giveUp()
}

func summarize(log *slog.Logger, st *transportStats, lines *drops.Counter, agg *aggregate.Aggregator,
	fl *flush.Flusher, wire *flush.CountingHTTPClient) {
	lines.Flush()
	agg.TagFixes.Flush()
	agg.Drops.Flush()
	agg.UnitConflicts.Flush()
	log.Info("cwagentd stopped",
		"lines_udp", st.udp.Lines.Load(), "lines_unixgram", st.unixgram.Lines.Load(),
		"lines_dropped", lines.Total(), "samples_dropped", agg.Drops.Total(),
		"datums_delivered", fl.Delivered.Load(), "datums_dropped", fl.Drops.Total(),
		"requests_delivered", fl.DeliveredRequests(), "requests_throttled", fl.Throttles(),
		"bytes_encoded", fl.BytesAttempted.Load(), "bytes_sent", wire.Sent.Load(),
		"lines_unix", st.unix.Lines.Load(), "connections_unix", st.unix.Connections.Load(),
		"kernel_drops_udp", st.udp.KernelDrops.Load(),
		"datums_spooled", fl.Spooled.Load(), "datums_replayed", fl.Replayed.Load(), "datums_kept_in_spool", fl.KeptInSpool.Load())
}
