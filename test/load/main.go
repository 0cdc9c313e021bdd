// Command load measures cwagentd under a steady StatsD load, end to end.
//
// It starts the fake CloudWatch (test/fakecw) and the agent binary pointed at
// it, offers counter lines ("name:1|c") at a target rate over UDP or the Unix
// socket, stops the agent with SIGTERM, and compares what it offered with
// what CloudWatch received (every line adds exactly 1 to some Sum). It
// reports the loss, the agent's CPU seconds per million lines and its peak
// RSS, from the kernel's accounting of the child process.
//
//	go build -o /tmp/cwagentd ./cmd/cwagentd
//	go run ./test/load -agent /tmp/cwagentd -rate 300000 -lines 20 -duration 10s
package main

import (
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cwagentd/cwagentd/test/fakecw"
)

type options struct {
	agent     string
	transport string
	rate      int
	lines     int
	series    int
	tags      int
	duration  time.Duration
	args      string
	senders   int
}

func main() {
	var o options
	flag.StringVar(&o.agent, "agent", "", "path of the cwagentd binary (required)")
	flag.StringVar(&o.transport, "transport", "udp", "udp, unixgram, or unix (the stream socket, listen.unix)")
	flag.IntVar(&o.senders, "senders", 1, "sockets to send from, round robin (over UDP, SO_REUSEPORT spreads senders over listen.readers)")
	flag.IntVar(&o.rate, "rate", 100_000, "lines per second offered")
	flag.IntVar(&o.lines, "lines", 20, "lines per datagram")
	flag.IntVar(&o.series, "series", 1000, "distinct series the lines cycle over")
	flag.IntVar(&o.tags, "tags", 3, "tags per line")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "how long to send")
	flag.StringVar(&o.args, "args", "", "extra agent flags, space separated")
	flag.Parse()
	if o.agent == "" {
		fmt.Fprintln(os.Stderr, "load: -agent is required (go build -o /tmp/cwagentd ./cmd/cwagentd)")
		os.Exit(2)
	}
	r, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
	fmt.Println(r)
}

type report struct {
	o                 options
	offered, received int64
	datagrams         int64
	elapsed           time.Duration
	cpu               time.Duration
	maxRSS            int64 // bytes
	requests          int
}

func (r report) String() string {
	loss := 100 * float64(r.offered-r.received) / math.Max(1, float64(r.offered))
	return fmt.Sprintf("transport=%s rate=%d/s achieved=%.0f/s lines/datagram=%d series=%d tags=%d duration=%s\n"+
		"offered=%d received=%d loss=%.4f%% datagrams=%d requests=%d\n"+
		"agent cpu=%.2fs (%.3fs per million lines, %.0f%% of one core) maxrss=%.1fMiB",
		r.o.transport, r.o.rate, float64(r.offered)/r.elapsed.Seconds(), r.o.lines, r.o.series, r.o.tags, r.elapsed,
		r.offered, r.received, loss, r.datagrams, r.requests,
		r.cpu.Seconds(), r.cpu.Seconds()/math.Max(1, float64(r.offered))*1e6, 100*r.cpu.Seconds()/r.elapsed.Seconds(),
		float64(r.maxRSS)/(1<<20))
}

func run(o options) (report, error) {
	rep := report{o: o}
	cw := fakecw.New()
	defer cw.Close()
	cw.DiscardHistory(true) // keep counts, not every request: long runs stay small
	var received, requests atomic.Int64
	cw.OnRequest(func(req fakecw.Request) {
		if req.Outcome != "ok" {
			return
		}
		var sum float64
		for _, d := range req.Datums {
			if d.StatisticValues != nil {
				sum += d.StatisticValues.Sum
			}
		}
		received.Add(int64(sum)) // a Sum of 1s: the lines it carries
		requests.Add(1)
	})

	dir, err := os.MkdirTemp("", "cwagentd-load")
	if err != nil {
		return rep, err
	}
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "statsd.sock")
	udp, err := freeUDP()
	if err != nil {
		return rep, err
	}
	stream := filepath.Join(dir, "stream.sock")
	args := append([]string{"run"}, strings.Fields(o.args)...)
	if o.transport == "unix" {
		args = append(args, "--listen.unix="+stream)
	}
	agent := exec.Command(o.agent, args...)
	agent.Env = []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GOGC=" + os.Getenv("GOGC"), "GOMEMLIMIT=" + os.Getenv("GOMEMLIMIT"),
		"GODEBUG=" + os.Getenv("GODEBUG"),
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=AKIDLOAD", "AWS_SECRET_ACCESS_KEY=load",
		"AWS_ENDPOINT_URL_CLOUDWATCH=" + cw.URL(), "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"CWAGENTD_LISTEN_UDP=" + udp, "CWAGENTD_LISTEN_UNIXGRAM=" + sock, "CWAGENTD_SHUTDOWN_TIMEOUT=60s",
		"CWAGENTD_ADMIN_LISTEN=127.0.0.1:0", // never the fixed default port a real agent may hold
	}
	agent.Stderr = os.Stderr
	if err := agent.Start(); err != nil {
		return rep, err
	}
	defer agent.Process.Kill()
	addr, network := udp, "udp"
	switch o.transport {
	case "unixgram":
		addr, network = sock, "unixgram"
	case "unix":
		addr, network = stream, "unix"
	}
	var conns []net.Conn
	for range max(1, o.senders) {
		conn, err := dialWhenReady(network, addr, 10*time.Second)
		if err != nil {
			return rep, err
		}
		defer conn.Close()
		conns = append(conns, conn)
	}

	payloads := buildPayloads(o)
	if o.transport == "unix" { // a stream needs each line ended
		for i := range payloads {
			payloads[i] = append(payloads[i], '\n')
		}
	}
	start := time.Now()
	rep.offered, rep.datagrams = send(conns, payloads, o)
	rep.elapsed = time.Since(start)

	if err := agent.Process.Signal(syscall.SIGTERM); err != nil {
		return rep, err
	}
	if err := agent.Wait(); err != nil {
		return rep, fmt.Errorf("agent exit: %w", err)
	}
	ru := agent.ProcessState.SysUsage().(*syscall.Rusage)
	rep.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	rep.maxRSS = ru.Maxrss << 10
	// The agent exits after its last answer; OnRequest may still be running.
	time.Sleep(200 * time.Millisecond)
	rep.received, rep.requests = received.Load(), int(requests.Load())
	return rep, nil
}

// buildPayloads makes enough distinct datagrams to cycle over every series.
func buildPayloads(o options) [][]byte {
	n := max(1, o.series/o.lines)
	out := make([][]byte, 0, n)
	s := 0
	for range n {
		var b strings.Builder
		for l := range o.lines {
			if l > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "load.metric.%d:1|c", s%o.series)
			for t := range o.tags {
				sep := ","
				if t == 0 {
					sep = "|#"
				}
				fmt.Fprintf(&b, "%stag%d:value%d", sep, t, (s/(t+1))%10)
			}
			s++
		}
		out = append(out, []byte(b.String()))
	}
	return out
}

// send paces datagrams (writes, on a stream) to the target rate in 1 ms
// slices, from each connection in turn.
func send(conns []net.Conn, payloads [][]byte, o options) (lines, datagrams int64) {
	perSec := float64(o.rate) / float64(o.lines)
	start := time.Now()
	deadline := start.Add(o.duration)
	i := 0
	for now := start; now.Before(deadline); now = time.Now() {
		due := int64(now.Sub(start).Seconds() * perSec)
		for datagrams < due {
			if _, err := conns[int(datagrams)%len(conns)].Write(payloads[i]); err == nil {
				lines += int64(o.lines)
			}
			datagrams++
			if i++; i == len(payloads) {
				i = 0
			}
		}
		time.Sleep(time.Millisecond)
	}
	return lines, datagrams
}

func dialWhenReady(network, addr string, wait time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(wait)
	for {
		c, err := net.Dial(network, addr)
		if err == nil && network == "udp" && !listening(addr) {
			c.Close()
			err = fmt.Errorf("agent not listening on %s yet", addr)
		}
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// listening reports whether something is bound to the UDP address: UDP
// dials always succeed.
func listening(addr string) bool {
	probe, err := net.ListenPacket("udp", addr)
	if err != nil {
		return true
	}
	probe.Close()
	return false
}

func freeUDP() (string, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.LocalAddr().String(), nil
}
